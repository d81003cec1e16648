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

TEST_F(ClusterHealthTest, ReportsTheCurrentView) {
  std::shared_ptr<const ClusterView> view;
  ClusterHealth health([&] { return view; }, "a:1");
  EXPECT_FALSE(health.Report(kNow).healthy) << "no list yet";
  view = View({{.grpc_address = "a:1", .is_self = true}});
  EXPECT_TRUE(health.Report(kNow).healthy);
}

}  // namespace
}  // namespace sluice::cluster
