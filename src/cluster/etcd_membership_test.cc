#include "cluster/etcd_membership.h"

#include "absl/synchronization/mutex.h"
#include "testing/etcd_test_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

using ::testing::ElementsAre;

// Remembers the last list a membership reported; Await waits until a predicate holds.
class Reports {
 public:
  PeersChangedCallback Callback() {
    return [this](std::vector<PeerInfo> peers) {
      absl::MutexLock lock(&mu_);
      last_ = std::move(peers);
    };
  }
  std::vector<std::string> Addresses() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (const auto& p : last_) out.push_back(p.grpc_address + (p.is_self ? "*" : ""));
    return out;
  }
  bool Await(const std::vector<std::string>& want, absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Addresses() == want) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

 private:
  absl::Mutex mu_;
  std::vector<PeerInfo> last_;
};

TEST(EtcdMembershipCodecTest, PeerInfoIsGubernatorsJson) {
  PeerInfo peer{
      .grpc_address = "10.0.0.1:1051", .http_address = "10.0.0.1:1050", .data_center = "dc1"};
  const std::string json = EtcdMembership::EncodePeer(peer);
  EXPECT_EQ(
      json,
      R"({"grpc-address":"10.0.0.1:1051","http-address":"10.0.0.1:1050","data-center":"dc1"})");
  EXPECT_EQ(EtcdMembership::DecodePeer(json), peer);
  EXPECT_EQ(EtcdMembership::DecodePeer("10.0.0.2:1051"), PeerInfo{.grpc_address = "10.0.0.2:1051"});
}

TEST(EtcdMembershipOptionsTest, BadOptionsAreRejected) {
  EtcdMembership m({.endpoints = {"127.0.0.1:1"}, .self = {.grpc_address = "nope"}});
  EXPECT_EQ(m.Start([](std::vector<PeerInfo>) {}).code(), absl::StatusCode::kInvalidArgument);
}

class EtcdMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (EtcdTestServer::Binary().empty()) GTEST_SKIP() << "etcd is not installed";
    etcd_ = std::make_unique<EtcdTestServer>();
    ASSERT_TRUE(etcd_->ready());
  }

  EtcdMembershipOptions Options(const std::string& address) {
    return EtcdMembershipOptions{.endpoints = {etcd_->endpoint()},
                                 .key_prefix = "/test-peers/",
                                 .self = {.grpc_address = address},
                                 .lease_ttl = absl::Seconds(3),
                                 .poll_interval = absl::Milliseconds(50),
                                 .timeout = absl::Seconds(2)};
  }

  std::unique_ptr<EtcdTestServer> etcd_;
};

TEST_F(EtcdMembershipTest, NodesJoinAndLeave) {
  Reports a_sees, b_sees;
  EtcdMembership a(Options("127.0.0.1:1001"));
  ASSERT_TRUE(a.Start(a_sees.Callback()).ok());
  EXPECT_TRUE(a_sees.Await({"127.0.0.1:1001*"}));
  {
    EtcdMembership b(Options("127.0.0.1:1002"));
    ASSERT_TRUE(b.Start(b_sees.Callback()).ok());
    EXPECT_TRUE(b_sees.Await({"127.0.0.1:1001", "127.0.0.1:1002*"}));
    EXPECT_TRUE(a_sees.Await({"127.0.0.1:1001*", "127.0.0.1:1002"}));
  }  // b stops: deletes its key and revokes its lease
  EXPECT_TRUE(a_sees.Await({"127.0.0.1:1001*"}, absl::Seconds(2)));
  EXPECT_GE(a.stats().polls, 2u);
}

TEST_F(EtcdMembershipTest, KeepAliveHoldsTheLeaseAndALostLeaseIsRegisteredAgain) {
  Reports sees;
  EtcdMembership a(Options("127.0.0.1:1001"));
  ASSERT_TRUE(a.Start(sees.Callback()).ok());
  // Past the 3 s TTL: only the keep-alives keep the key.
  absl::SleepFor(absl::Seconds(4));
  EXPECT_THAT(sees.Addresses(), ElementsAre("127.0.0.1:1001*"));
  EXPECT_GE(a.stats().keepalives, 2u);

  // Revoke the lease behind its back: the key goes, and comes back.
  EtcdClient client({etcd_->endpoint()}, absl::Seconds(2));
  auto kvs = client.RangePrefix("/test-peers/");
  ASSERT_TRUE(kvs.ok());
  ASSERT_EQ(kvs->size(), 1u);
  ASSERT_TRUE(client.RevokeLease((*kvs)[0].lease).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (a.stats().registrations < 2 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(a.stats().registrations, 2u);
  kvs = client.RangePrefix("/test-peers/");
  ASSERT_TRUE(kvs.ok());
  ASSERT_EQ(kvs->size(), 1u);
  EXPECT_EQ((*kvs)[0].key, "/test-peers/127.0.0.1:1001");
  EXPECT_TRUE(sees.Await({"127.0.0.1:1001*"}));
}

TEST_F(EtcdMembershipTest, BareAddressValuesAreAccepted) {
  EtcdClient client({etcd_->endpoint()}, absl::Seconds(2));
  ASSERT_TRUE(client.Put("/test-peers/legacy", "127.0.0.1:1009", 0).ok());
  Reports sees;
  EtcdMembership a(Options("127.0.0.1:1001"));
  ASSERT_TRUE(a.Start(sees.Callback()).ok());
  EXPECT_TRUE(sees.Await({"127.0.0.1:1001*", "127.0.0.1:1009"}));
}

TEST(EtcdMembershipUnreachableTest, StartSucceedsAndKeepsRetrying) {
  Reports sees;
  EtcdMembership a({.endpoints = {"127.0.0.1:1"},
                    .self = {.grpc_address = "127.0.0.1:1001"},
                    .poll_interval = absl::Milliseconds(20),
                    .timeout = absl::Milliseconds(200)});
  ASSERT_TRUE(a.Start(sees.Callback()).ok());
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_TRUE(sees.Addresses().empty());
  EXPECT_GE(a.stats().failed_polls, 1u);
}

}  // namespace
}  // namespace sluice::cluster
