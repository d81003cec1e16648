// Peer discovery with real processes: etcd (a real etcd server) and DNS (loopback addresses).
#include <gtest/gtest.h>

#include <csignal>

#include "testing/etcd_test_server.h"
#include "testing/cluster_harness.h"

namespace sluice {
namespace {

using testing::AddRequest;
using testing::ClusterHarness;

// `hits` single hits on key round-robin over `nodes`; how many were UNDER_LIMIT.
int Admitted(ClusterHarness& cluster, const std::vector<int>& nodes, const std::string& key,
             int hits, int64_t limit) {
  int under = 0;
  for (int i = 0; i < hits; ++i) {
    pb::gubernator::GetRateLimitsReq req;
    AddRequest(req, "discovery", key, 1, limit);
    pb::gubernator::GetRateLimitsResp resp;
    grpc::Status status = cluster.GetRateLimits(nodes[i % nodes.size()], req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) continue;
    EXPECT_EQ(resp.responses(0).error(), "");
    if (resp.responses(0).error().empty() &&
        resp.responses(0).status() == pb::gubernator::UNDER_LIMIT) {
      ++under;
    }
  }
  return under;
}

TEST(ClusterEtcdTest, NodesJoinLeaveAndCrashAndTheRingFollows) {
  if (cluster::EtcdTestServer::Binary().empty()) GTEST_SKIP() << "etcd is not installed";
  cluster::EtcdTestServer etcd;
  ASSERT_TRUE(etcd.ready());
  ClusterHarness cluster(
      {.nodes = 2,
       .static_peers = false,
       .extra_args = {"--discovery", "etcd", "--etcd-endpoints", etcd.endpoint(),
                      "--etcd-key-prefix", "/it-peers/", "--etcd-lease-ttl", "2s",
                      "--etcd-poll-interval", "100ms", "--peer-error-window", "1s"}});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy(2));

  // Join.
  const int third = cluster.AddNode();
  ASSERT_TRUE(cluster.node(third).ready());
  ASSERT_TRUE(cluster.AwaitHealthy(3));
  EXPECT_EQ(Admitted(cluster, {0, 1, 2}, "joined", 60, 20), 20);

  // Leave (SIGTERM: the node deletes its key and revokes its lease).
  cluster.node(third).Signal(SIGTERM);
  ASSERT_GE(cluster.node(third).Wait(10'000), 0);
  ASSERT_TRUE(cluster.AwaitHealthy(2, absl::Seconds(5)));

  // Crash (kill -9): the lease expires and the survivor takes over the dead node's keys.
  const std::string orphan = cluster.KeyOwnedBy(1, "discovery");
  cluster.Kill(1);
  const absl::Time start = absl::Now();
  ASSERT_TRUE(cluster.AwaitHealthy(1, absl::Seconds(10)));
  std::printf("etcd: crashed node dropped from the ring after %lld ms\n",
              static_cast<long long>(absl::ToInt64Milliseconds(absl::Now() - start)));
  EXPECT_EQ(Admitted(cluster, {0}, orphan, 5, 3), 3);
}

TEST(ClusterDnsTest, PeersFromLoopbackAddressesShareLimits) {
  const int port = testing::FreePort();
  ClusterHarness cluster(
      {.nodes = 0,
       .static_peers = false,
       .extra_args = {"--discovery", "dns", "--dns-fqdn", "127.0.0.1,127.0.0.2,127.0.0.3",
                      "--dns-interval", "200ms"}});
  for (const char* host : {"127.0.0.1", "127.0.0.2", "127.0.0.3"}) cluster.AddNode({}, host, port);
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy(3));
  pb::gubernator::HealthCheckResp health;
  ASSERT_TRUE(cluster.HealthCheck(1, &health).ok());
  EXPECT_EQ(health.advertise_address(), "127.0.0.2:" + std::to_string(port));
  EXPECT_EQ(Admitted(cluster, {0, 1, 2}, "dns", 90, 30), 30);
}

}  // namespace
}  // namespace sluice
