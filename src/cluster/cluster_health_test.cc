#include "cluster/cluster_health.h"

#include "testing/fake_peer_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

class ClusterHealthTest : public ::testing::Test {
 protected:
  std::shared_ptr<const ClusterView> View(std::vector<PeerInfo> peers) {
    auto change = BuildClusterView(std::move(peers), nullptr, fakes_.Factory(), {});
    EXPECT_TRUE(change.ok());
    return change->view;
  }
  FakePeerClient::Registry fakes_;
};

TEST_F(ClusterHealthTest, HealthyWhenSelfIsListedAndNoPeerFailed) {
  auto view = View({{.grpc_address = "a:1", .is_self = true},
                    {.grpc_address = "b:1"},
                    {.grpc_address = "x:1", .data_center = "eu"}});
  HealthReport r = BuildHealthReport(*view, "a:1", kNow, absl::Seconds(30));
  EXPECT_TRUE(r.healthy);
  EXPECT_EQ(r.message, "");
  EXPECT_EQ(r.peer_count, 3);
  EXPECT_EQ(r.advertise_address, "a:1");
  EXPECT_EQ(r.local_peers.size(), 2u);
  EXPECT_EQ(r.region_peers.size(), 1u);
}

TEST_F(ClusterHealthTest, RecentPeerErrorsMakeItUnhealthyUntilTheWindowPasses) {
  auto view = View(
      {{.grpc_address = "a:1", .is_self = true}, {.grpc_address = "b:1"}, {.grpc_address = "c:1"}});
  fakes_.Find("b:1")->AddError("UNAVAILABLE: connection refused", kNow - 1000);
  fakes_.Find("c:1")->AddError("DEADLINE_EXCEEDED: Deadline Exceeded", kNow - 20'000);
  HealthReport r = BuildHealthReport(*view, "a:1", kNow, absl::Seconds(30));
  EXPECT_FALSE(r.healthy);
  EXPECT_EQ(r.message,
            "error returned from local peer.GetLastErr: from host b:1: UNAVAILABLE: connection "
            "refused|error returned from local peer.GetLastErr: from host c:1: "
            "DEADLINE_EXCEEDED: Deadline Exceeded");
  EXPECT_EQ(r.advertise_address, "a:1");

  r = BuildHealthReport(*view, "a:1", kNow + 15'000, absl::Seconds(30));
  EXPECT_EQ(r.message,
            "error returned from local peer.GetLastErr: from host b:1: UNAVAILABLE: connection "
            "refused");
  EXPECT_TRUE(BuildHealthReport(*view, "a:1", kNow + 30'000, absl::Seconds(30)).healthy);
}

TEST_F(ClusterHealthTest, MissingSelfIsReported) {
  auto view = View({{.grpc_address = "b:1"}});
  fakes_.Find("b:1")->AddError("boom", kNow);
  HealthReport r = BuildHealthReport(*view, "a:1", kNow, absl::Seconds(30));
  EXPECT_FALSE(r.healthy);
  EXPECT_EQ(r.advertise_address, "");
  EXPECT_EQ(r.message,
            "error returned from local peer.GetLastErr: from host b:1: boom|this instance is not "
            "found in the peer list");
}

TEST_F(ClusterHealthTest, ALoopbackAdvertiseAddressWithAPeerOnAnotherHostIsUnhealthy) {
  // Start-up refuses this for the peers it knows; here a peer arrives later (etcd, DNS, k8s).
  std::shared_ptr<const ClusterView> view =
      View({{.grpc_address = "127.0.0.1:81", .is_self = true}, {.grpc_address = "127.0.0.2:81"}});
  ClusterHealth health([&] { return view; }, "127.0.0.1:81");
  EXPECT_TRUE(health.Report(kNow).healthy) << "every peer on loopback: one machine";
  view = View({{.grpc_address = "127.0.0.1:81", .is_self = true},
               {.grpc_address = "127.0.0.2:81"},
               {.grpc_address = "10.0.0.7:81"}});
  const HealthReport r = health.Report(kNow);
  EXPECT_FALSE(r.healthy);
  EXPECT_EQ(r.message,
            "this node advertises 127.0.0.1:81, a loopback address, but peer 10.0.0.7:81 is on "
            "another host and would dial itself for this node's keys; set --advertise-addr "
            "(GUBER_ADVERTISE_ADDRESS) to the address peers reach this node at, or bind a "
            "non-loopback address");
  EXPECT_EQ(LoopbackAdvertiseProblem("10.0.0.1:81", view->ring.peers()), "");
  EXPECT_EQ(LoopbackAdvertiseProblem("localhost:81", {{.grpc_address = "[fd00::1]:81"}}).empty(),
            false);
}

TEST_F(ClusterHealthTest, ReportsTheCurrentView) {
  std::shared_ptr<const ClusterView> view;
  ClusterHealth health([&] { return view; }, "a:1");
  EXPECT_FALSE(health.Report(kNow).healthy) << "no list yet";
  view = View({{.grpc_address = "a:1", .is_self = true}});
  EXPECT_TRUE(health.Report(kNow).healthy);
}

}  // namespace
}  // namespace sluice::cluster
