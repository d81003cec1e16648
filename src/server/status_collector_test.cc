#include "server/status_collector.h"

#include "rules/rule_parser.h"
#include "testing/fake_peer_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::server {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

TEST(RulesTreeTest, EachDomainIsATreeInFileOrder) {
  auto domain = rules::ParseRules("api.yaml", R"(domain: api
descriptors:
  - key: user
    rate_limit: {unit: second, requests_per_unit: 10}
    descriptors:
      - key: path
        value: /login
        rate_limit: {unit: minute, requests_per_unit: 5, name: logins}
        shadow_mode: true
  - key: remote_address
    rate_limit: {unlimited: true}
)");
  ASSERT_TRUE(domain.ok()) << domain.status();
  std::vector<rules::Domain> domains;
  domains.push_back(*std::move(domain));
  auto set = rules::RuleSet::Create(std::move(domains));
  ASSERT_TRUE(set.ok());
  const std::vector<StatusDomain> tree = RulesTree(**set);
  ASSERT_EQ(tree.size(), 1u);
  EXPECT_EQ(tree[0].name, "api");
  EXPECT_EQ(tree[0].source, "api.yaml");
  ASSERT_EQ(tree[0].descriptors.size(), 2u);
  const StatusRule& user = tree[0].descriptors[0];
  EXPECT_EQ(user.key, "user");
  EXPECT_EQ(user.limit, "10/second");
  EXPECT_EQ(user.algorithm, "fixed_window");
  EXPECT_EQ(user.line, 3);
  ASSERT_EQ(user.children.size(), 1u);
  EXPECT_EQ(user.children[0].value, "/login");
  EXPECT_EQ(user.children[0].limit, "5/minute");
  EXPECT_EQ(user.children[0].name, "logins");
  EXPECT_TRUE(user.children[0].shadow_mode);
  EXPECT_EQ(tree[0].descriptors[1].key, "remote_address");
  EXPECT_EQ(tree[0].descriptors[1].limit, "unlimited");
}

TEST(ClusterPeersTest, PeersWithRingShareStateAndLastError) {
  cluster::FakePeerClient::Registry fakes;
  auto change = cluster::BuildClusterView({{.grpc_address = "a:1", .is_self = true},
                                           {.grpc_address = "b:1"},
                                           {.grpc_address = "x:1", .data_center = "eu"}},
                                          nullptr, fakes.Factory(), {});
  ASSERT_TRUE(change.ok());
  fakes.Find("b:1")->AddError("UNAVAILABLE: old", kNow - 60'000);
  fakes.Find("b:1")->AddError("UNAVAILABLE: connection refused", kNow - 1000);
  std::vector<StatusPeer> peers = ClusterPeers(*change->view, kNow - 30'000);
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0].address, "a:1");
  EXPECT_EQ(peers[0].state, "self");
  EXPECT_EQ(peers[1].state, "failing");
  EXPECT_EQ(peers[1].last_error, "UNAVAILABLE: connection refused");
  EXPECT_NEAR(peers[0].ring_share + peers[1].ring_share, 1.0, 1e-9);
  EXPECT_GT(peers[0].ring_share, 0.2);
  EXPECT_EQ(peers[2].state, "remote");
  EXPECT_LT(peers[2].ring_share, 0);
  // Once the errors are older than the window, the peer is ok again.
  peers = ClusterPeers(*change->view, kNow);
  EXPECT_EQ(peers[1].state, "ok");
  EXPECT_EQ(peers[1].last_error, "");
}

}  // namespace
}  // namespace sluice::server
