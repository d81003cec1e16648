// Cluster chaos (issue 18): a slow owner (SIGSTOP) and a network partition (a veth link taken
// down between two private network namespaces). Callers get a per-item error for the keys of
// the unreachable owner within --batch-timeout, never a hang; the other keys are answered as
// usual; health names the peer; once the owner is back, counts are exact: every hit answered OK
// is counted, and a hit that timed out is counted at most once (its forward may still have
// reached the owner, as with any timed-out RPC).
//
// Runs in a private network namespace (root, iproute2), as netns_test does:
//   lo      127.0.0.1                 the SIGSTOP test's nodes
//   veth0   10.21.0.1/24              nodes A and B
//   veth1   10.21.0.2/24 (second ns)  node C, behind the link the partition takes down
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "testing/child_process.h"
#include "testing/cluster_harness.h"
#include "testing/free_port.h"
#include "testing/private_network.h"
#include "testing/ring_keys.h"

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PrivateNetwork({
    "ip link set lo up",
    "ip link add veth0 type veth peer name veth1 && ip link set veth1 netns {peer_pid}",
    "ip addr add 10.21.0.1/24 dev veth0 && ip link set veth0 up",
    "{peer}ip addr add 10.21.0.2/24 dev veth1 && {peer}ip link set veth1 up",
    "{peer}ip link set lo up",
}));

bool Sh(const std::string& command) { return PrivateNetwork::Sh(command); }

constexpr int64_t kLimit = 1'000'000;

struct Answer {
  grpc::Status status;
  std::string error;        // the item's error, "" when answered
  int64_t remaining = -1;
  int64_t ms = 0;           // how long the call took
};

Answer Hit(ClusterHarness& cluster, int node, const std::string& key, int64_t hits) {
  pb::gubernator::GetRateLimitsReq req;
  AddRequest(req, "chaos", key, hits, kLimit, 3'600'000);
  pb::gubernator::GetRateLimitsResp resp;
  const auto start = Clock::now();
  Answer a;
  a.status = cluster.GetRateLimits(node, req, &resp, absl::Seconds(10));
  a.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  if (a.status.ok() && resp.responses_size() == 1) {
    a.error = resp.responses(0).error();
    a.remaining = resp.responses(0).remaining();
  }
  return a;
}

// What the owner holds for `key`: remaining after a 0-hit check through `node`, retried until
// answered (the owner may still be coming back).
int64_t Remaining(ClusterHarness& cluster, int node, const std::string& key) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    Answer a = Hit(cluster, node, key, 0);
    if (a.status.ok() && a.error.empty()) return a.remaining;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

// During the fault: `calls` one-hit calls for the unreachable owner's key must each end within
// the bound with an item error; the other key is answered every time, promptly.
struct FaultTally {
  int errored = 0;  // hits of calls that got an item error (counted at most once in the end)
};
FaultTally HitDuringFault(ClusterHarness& cluster, int node, const std::string& cut_key,
                          const std::string& live_key, int calls) {
  FaultTally tally;
  for (int i = 0; i < calls; ++i) {
    Answer cut = Hit(cluster, node, cut_key, 1);
    EXPECT_TRUE(cut.status.ok()) << cut.status.error_message();
    EXPECT_FALSE(cut.error.empty()) << "call " << i << " for the cut owner's key was answered";
    EXPECT_LT(cut.ms, 2'000) << "bounded by --batch-timeout (300ms), not a hang";
    if (!cut.error.empty()) ++tally.errored;
    Answer live = Hit(cluster, node, live_key, 1);
    EXPECT_TRUE(live.status.ok() && live.error.empty()) << live.error;
    EXPECT_LT(live.ms, 2'000);
  }
  return tally;
}

TEST(ChaosTest, SlowOwnerGivesTimelyItemErrorsAndExactCountsAfter) {
  if (!PrivateNetwork::skip_reason().empty()) GTEST_SKIP() << PrivateNetwork::skip_reason();
  ClusterHarness cluster({.nodes = 3,
                          .extra_args = {"--batch-timeout", "300ms", "--peer-error-window", "5s"}});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy(3));
  const std::string slow_key = cluster.KeyOwnedBy(1, "chaos");
  const std::string live_key = cluster.KeyOwnedBy(0, "chaos");

  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Hit(cluster, 0, slow_key, 1).error.empty());
    ASSERT_TRUE(Hit(cluster, 0, live_key, 1).error.empty());
  }
  ASSERT_TRUE(testing::StopProcess(cluster.node(1).pid()));
  FaultTally tally = HitDuringFault(cluster, 0, slow_key, live_key, 5);
  pb::gubernator::HealthCheckResp health;
  const std::string said = cluster.HealthCheck(0, &health).error_message() + health.message();
  EXPECT_NE(said.find(cluster.node(1).grpc_address()), std::string::npos)
      << "health names the slow peer: " << said;
  kill(cluster.node(1).pid(), SIGCONT);

  const int64_t slow_remaining = Remaining(cluster, 0, slow_key);
  EXPECT_LE(slow_remaining, kLimit - 3);
  EXPECT_GE(slow_remaining, kLimit - 3 - tally.errored);
  EXPECT_EQ(Hit(cluster, 0, slow_key, 1).remaining, slow_remaining - 1) << "counting again";
  EXPECT_EQ(Remaining(cluster, 0, live_key), kLimit - 3 - 5);
}

TEST(ChaosTest, PartitionGivesTimelyItemErrorsAndExactCountsAfterHealing) {
  if (!PrivateNetwork::skip_reason().empty()) GTEST_SKIP() << PrivateNetwork::skip_reason();
  const std::string host_ab = "10.21.0.1", host_c = "10.21.0.2";
  const int port_a = FreeLoopbackPort(), port_b = FreeLoopbackPort(), port_c = 41'051;
  const std::vector<std::string> addresses = {absl::StrCat(host_ab, ":", port_a),
                                              absl::StrCat(host_ab, ":", port_b),
                                              absl::StrCat(host_c, ":", port_c)};
  const std::string peers = addresses[0] + "," + addresses[1] + "," + addresses[2];
  const std::vector<std::string> flags = {"--peers", peers, "--batch-timeout", "300ms",
                                          "--peer-error-window", "5s"};

  // C runs in the second namespace, reachable only over the veth link.
  char log_path[] = "/tmp/sluice-chaos-c-XXXXXX";
  const int log_fd = mkstemp(log_path);
  std::vector<std::string> c_args = {"nsenter", "-t", std::to_string(PrivateNetwork::peer_namespace()), "-n",
                                     SLUICE_BINARY, "--addr", addresses[2], "--http-addr",
                                     "127.0.0.1:41052"};
  c_args.insert(c_args.end(), flags.begin(), flags.end());
  const pid_t node_c = SpawnChild(c_args, log_fd);
  close(log_fd);

  ClusterHarness cluster({.nodes = 0, .static_peers = false});
  cluster.AddNode(flags, host_ab, port_a);
  cluster.AddNode(flags, host_ab, port_b);
  ASSERT_TRUE(cluster.started());
  const std::string cut_key = testing::KeyOwnedBy(addresses, addresses[2], "chaos");
  const std::string live_key = testing::KeyOwnedBy(addresses, addresses[1], "chaos");
  ASSERT_FALSE(cut_key.empty());

  // Wait for C, then count 3 hits on each key.
  EXPECT_GE(Remaining(cluster, 0, cut_key), 0) << "node C did not come up";
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Hit(cluster, 0, cut_key, 1).error.empty());
    ASSERT_TRUE(Hit(cluster, 0, live_key, 1).error.empty());
  }

  ASSERT_TRUE(Sh("ip link set veth0 down"));
  FaultTally tally = HitDuringFault(cluster, 0, cut_key, live_key, 5);
  pb::gubernator::HealthCheckResp health;
  const std::string said = cluster.HealthCheck(0, &health).error_message() + health.message();
  EXPECT_NE(said.find(addresses[2]), std::string::npos) << "health names the cut peer: " << said;
  ASSERT_TRUE(Sh("ip link set veth0 up && ip addr replace 10.21.0.1/24 dev veth0"));

  const int64_t cut_remaining = Remaining(cluster, 0, cut_key);
  EXPECT_LE(cut_remaining, kLimit - 3) << "C kept its counts through the partition";
  EXPECT_GE(cut_remaining, kLimit - 3 - tally.errored);
  EXPECT_EQ(Hit(cluster, 0, cut_key, 1).remaining, cut_remaining - 1) << "counting again";
  EXPECT_EQ(Remaining(cluster, 0, live_key), kLimit - 3 - 5);

  kill(node_c, SIGKILL);
  waitpid(node_c, nullptr, 0);
  unlink(log_path);
}

}  // namespace
}  // namespace sluice::testing
