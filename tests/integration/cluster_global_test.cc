// GLOBAL keys on a 3-node cluster: replicas answer at once, the owner aggregates and broadcasts.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "testing/cluster_harness.h"

namespace sluice {
namespace {

using testing::AddRequest;
using testing::ClusterHarness;

constexpr int kGlobal = pb::gubernator::GLOBAL;

class ClusterGlobalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A sync wait long enough that the overshoot loop's 60 hits usually fit in one window.
    cluster_ = new ClusterHarness({.nodes = 3, .extra_args = {"--global-sync-wait", "500ms"}});
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(cluster_->started());
    ASSERT_TRUE(cluster_->AwaitHealthy(3));
  }

  // One GLOBAL request on node i; the answer.
  static pb::gubernator::RateLimitResp Hit(int node, const std::string& key, int64_t hits,
                                           int64_t limit, int behavior = kGlobal) {
    pb::gubernator::GetRateLimitsReq req;
    AddRequest(req, "global", key, hits, limit, 60'000, behavior);
    pb::gubernator::GetRateLimitsResp resp;
    EXPECT_TRUE(cluster_->GetRateLimits(node, req, &resp).ok());
    return resp.responses_size() == 1 ? resp.responses(0) : pb::gubernator::RateLimitResp();
  }

  // Waits until every node reports `remaining` for key (a hits=0 read); false on timeout. Two
  // sync waits suffice on an idle machine; the deadline is for a loaded one.
  static bool AwaitRemaining(const std::string& key, int64_t limit, int64_t remaining) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      bool all = true;
      for (int i = 0; i < 3; ++i) all = all && Hit(i, key, 0, limit).remaining() == remaining;
      if (all) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    for (int i = 0; i < 3; ++i) {
      std::fprintf(stderr, "node %d: %s\n", i, Hit(i, key, 0, limit).ShortDebugString().c_str());
    }
    return false;
  }

  static ClusterHarness* cluster_;
};

ClusterHarness* ClusterGlobalTest::cluster_ = nullptr;

TEST_F(ClusterGlobalTest, HitsOnNonOwnersConvergeOnEveryNode) {
  const std::string key = "converge";
  const int owner = cluster_->OwnerOf("global", key);
  int hits = 0;
  for (int round = 0; round < 5; ++round) {
    for (int node = 0; node < 3; ++node) {
      if (node == owner) continue;
      auto r = Hit(node, key, 3, 1000);
      ASSERT_EQ(r.error(), "");
      EXPECT_EQ(r.metadata().at("owner"), cluster_->node(owner).grpc_address());
      EXPECT_EQ(r.status(), pb::gubernator::UNDER_LIMIT);
      hits += 3;
    }
  }
  EXPECT_TRUE(AwaitRemaining(key, 1000, 1000 - hits));
}

TEST_F(ClusterGlobalTest, OvershootStaysWithinTheDocumentedBound) {
  // Every replica admits from its own copy until the next broadcast: at most nodes × limit in
  // one sync window (docs/cluster.md). Afterwards every node says OVER_LIMIT.
  //
  // A window ends when a broadcast replaces a replica's copy. The owner admits at most `limit`
  // in all (its count is the truth); a replica at most `limit` from the copy it starts with and
  // at most `limit` more from each broadcast it applies. So the bound is computed from the
  // broadcasts the replicas really applied during the loop: nodes × limit when the loop fits in
  // one window (the usual case with this suite's sync wait), more only when a loaded machine
  // stretched the loop over several.
  const std::string key = "overshoot";
  const int64_t limit = 10;
  const int owner = cluster_->OwnerOf("global", key);
  std::vector<double> updates_before(3);
  for (int node = 0; node < 3; ++node) {
    updates_before[node] = cluster_->Metric(node, "sluice_global_updates_received_total");
    ASSERT_GE(updates_before[node], 0) << "node " << node;
  }
  int admitted = 0;
  for (int i = 0; i < 60; ++i) {
    if (Hit(i % 3, key, 1, limit).status() == pb::gubernator::UNDER_LIMIT) ++admitted;
  }
  int64_t bound = limit;  // the owner
  int broadcasts_applied = 0;
  for (int node = 0; node < 3; ++node) {
    if (node == owner) continue;
    const double updates = cluster_->Metric(node, "sluice_global_updates_received_total");
    ASSERT_GE(updates, updates_before[node]) << "node " << node;
    const int applied = static_cast<int>(updates - updates_before[node]);
    broadcasts_applied += applied;
    bound += limit * (1 + applied);
  }
  EXPECT_GE(admitted, limit);
  EXPECT_LE(admitted, bound) << broadcasts_applied << " broadcasts applied during the loop";
  std::printf("GLOBAL overshoot: %d admitted for limit %lld on 3 nodes (bound %lld: %d broadcasts "
              "applied during the loop)\n",
              admitted, static_cast<long long>(limit), static_cast<long long>(bound),
              broadcasts_applied);
  ASSERT_TRUE(AwaitRemaining(key, limit, 0));
  for (int node = 0; node < 3; ++node) {
    EXPECT_EQ(Hit(node, key, 1, limit).status(), pb::gubernator::OVER_LIMIT) << "node " << node;
  }
}

TEST_F(ClusterGlobalTest, ResetRemainingWithoutHitsReachesTheOwner) {
  const std::string key = "reset";
  const int owner = cluster_->OwnerOf("global", key);
  const int other = (owner + 1) % 3;
  Hit(other, key, 7, 10);
  ASSERT_TRUE(AwaitRemaining(key, 10, 3));
  // Gubernator never sends a hits=0 RESET_REMAINING to the owner; Sluice does.
  Hit(other, key, 0, 10, kGlobal | pb::gubernator::RESET_REMAINING);
  EXPECT_TRUE(AwaitRemaining(key, 10, 10));
}

}  // namespace
}  // namespace sluice
