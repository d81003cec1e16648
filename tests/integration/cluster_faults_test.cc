// A node dies under load (kill -9): calls never hang, errors stay per item and name the peer.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "testing/cluster_harness.h"

namespace sluice {
namespace {

using testing::AddRequest;
using testing::ClusterHarness;

TEST(ClusterFaultsTest, AKilledPeerGivesBoundedPerItemErrorsNeverHangs) {
  ClusterHarness cluster(
      {.nodes = 3, .extra_args = {"--peer-error-window", "2s", "--batch-timeout", "500ms"}});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy(3));
  const std::string dead_addr = cluster.node(2).grpc_address();
  const std::string k0 = cluster.KeyOwnedBy(0, "faults"), k1 = cluster.KeyOwnedBy(1, "faults"),
                    k2 = cluster.KeyOwnedBy(2, "faults");

  // Load from two clients on the survivors while node 2 dies.
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, item_errors{0}, wrong_errors{0}, rpc_failures{0};
  std::atomic<int64_t> slowest_ms{0};
  auto load = [&](int node) {
    while (!stop.load()) {
      pb::gubernator::GetRateLimitsReq req;
      AddRequest(req, "faults", k0, 1, 1'000'000);
      AddRequest(req, "faults", k1, 1, 1'000'000);
      AddRequest(req, "faults", k2, 1, 1'000'000);
      pb::gubernator::GetRateLimitsResp resp;
      const absl::Time start = absl::Now();
      grpc::Status status = cluster.GetRateLimits(node, req, &resp, absl::Seconds(5));
      const int64_t ms = absl::ToInt64Milliseconds(absl::Now() - start);
      int64_t seen = slowest_ms.load();
      while (ms > seen && !slowest_ms.compare_exchange_weak(seen, ms)) {
      }
      ++calls;
      if (!status.ok()) {
        ++rpc_failures;
        continue;
      }
      for (int i = 0; i < 3; ++i) {
        const std::string& error = resp.responses(i).error();
        if (error.empty()) continue;
        ++item_errors;
        const bool expected = i == 2 &&
                              error.find("while fetching rate limit 'faults_" + k2) == 0 &&
                              error.find(dead_addr) != std::string::npos;
        if (!expected) {
          ++wrong_errors;
          std::fprintf(stderr, "unexpected item %d error: %s\n", i, error.c_str());
        }
      }
    }
  };
  std::thread a(load, 0), b(load, 1);
  absl::SleepFor(absl::Milliseconds(300));
  cluster.Kill(2);
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  a.join();
  b.join();

  EXPECT_EQ(rpc_failures.load(), 0) << "the RPC itself succeeds; errors are per item";
  EXPECT_EQ(wrong_errors.load(), 0) << "only the dead node's key fails, naming it";
  EXPECT_GT(item_errors.load(), 0);
  EXPECT_LT(slowest_ms.load(), 1500) << "bounded by the batch timeout, no hang";
  std::printf("kill -9 under load: %d calls, %d item errors, slowest call %lld ms\n", calls.load(),
              item_errors.load(), static_cast<long long>(slowest_ms.load()));

  // The failure is in the survivors' log at the default level (at most once per 10 s).
  EXPECT_NE(cluster.node(0).Output().find("[warning] cluster: GetPeerRateLimits to peer " +
                                          dead_addr + " failed: "),
            std::string::npos)
      << cluster.node(0).Output();
  // Health names the dead peer while its errors are recent...
  pb::gubernator::HealthCheckResp health;
  grpc::Status status = cluster.HealthCheck(0, &health);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("error returned from local peer.GetLastErr: from host " +
                                        dead_addr),
            std::string::npos)
      << status.error_message();
  // ...and the survivors' keys keep working.
  pb::gubernator::GetRateLimitsReq req;
  AddRequest(req, "faults", k0, 1, 1'000'000);
  AddRequest(req, "faults", k1, 1, 1'000'000);
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(cluster.GetRateLimits(1, req, &resp).ok());
  EXPECT_EQ(resp.responses(0).error(), "");
  EXPECT_EQ(resp.responses(1).error(), "");
}

TEST(ClusterFaultsTest, FailOpenAnswersLocallyWhenTheOwnerIsDown) {
  ClusterHarness cluster({.nodes = 2, .extra_args = {"--fail-open"}});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy(2));
  const std::string key = cluster.KeyOwnedBy(1, "failopen");
  cluster.Kill(1);
  pb::gubernator::GetRateLimitsReq req;
  AddRequest(req, "failopen", key, 1, 5);
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(cluster.GetRateLimits(0, req, &resp).ok());
  EXPECT_EQ(resp.responses(0).error(), "");
  EXPECT_EQ(resp.responses(0).remaining(), 4);
  EXPECT_EQ(resp.responses(0).metadata().at("owner"), cluster.node(1).grpc_address());
}

}  // namespace
}  // namespace sluice
