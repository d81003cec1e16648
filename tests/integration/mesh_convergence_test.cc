// Mesh mode with real processes on 127.0.0.1: membership, convergence within three gossip
// intervals, totals across nodes, window roll-over and garbage collection (docs/mesh.md).
#include <gtest/gtest.h>

#include <cstdio>

#include "integration/mesh_harness.h"

namespace sluice {
namespace {

using testing::Eventually;
using testing::HttpGet;
using testing::JsonInt;
using testing::MeshCluster;
using testing::NowMs;

constexpr int kGossipMs = 100;

// Time (ms) from a hit on node `from` until every other node reports it; -1 after `limit_ms`.
int64_t ConvergenceMs(MeshCluster& mesh, int from, const std::string& key, int64_t limit,
                      int64_t expected_remaining, int limit_ms) {
  const int64_t start = NowMs();
  mesh.Hit(from, key, limit - expected_remaining, limit);
  bool ok = Eventually(
      [&] {
        for (int i = 0; i < mesh.size(); ++i) {
          if (i != from && mesh.Remaining(i, key, limit) != expected_remaining) return false;
        }
        return true;
      },
      limit_ms);
  return ok ? NowMs() - start : -1;
}

// Hits from each node in turn must reach every other node within three gossip intervals.
void ExpectConvergence(MeshCluster& mesh, const std::string& label) {
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(mesh.size()));
  for (int round = 0; round < 5; ++round) {
    const std::string key = label + "-" + std::to_string(round);
    const int64_t ms = ConvergenceMs(mesh, round % mesh.size(), key, 100, 95, 3 * kGossipMs);
    std::printf("mesh convergence (%d nodes, %s): %lld ms\n", mesh.size(), label.c_str(),
                static_cast<long long>(ms));
    EXPECT_GE(ms, 0) << "not visible within 3 gossip intervals";
  }
}

TEST(MeshConvergenceTest, TwoNodesSeeEachOthersHitsWithinThreeGossipIntervals) {
  MeshCluster mesh(2);
  ExpectConvergence(mesh, "push");
}

TEST(MeshConvergenceTest, AntiEntropyAloneConvergesThreeNodesWithinThreeGossipIntervals) {
  // No push: only the periodic digest exchange carries the hits.
  MeshCluster mesh(3, {"--gossip-push-interval", "0s"});
  ExpectConvergence(mesh, "anti-entropy");
}

TEST(MeshConvergenceTest, TotalsSumAcrossNodesAndLimitsHoldMeshWide) {
  MeshCluster mesh(3);
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(3));
  mesh.Hit(0, "sum", 1, 10);
  mesh.Hit(1, "sum", 2, 10);
  mesh.Hit(2, "sum", 3, 10);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Eventually([&] { return mesh.Remaining(i, "sum", 10) == 4; }, 2000)) << i;
  }
  // 4 left mesh-wide: 5 more is over on every node and consumes nothing.
  std::string over = mesh.Hit(1, "sum", 5, 10);
  EXPECT_NE(over.find("OVER_LIMIT"), std::string::npos) << over;
  EXPECT_EQ(JsonInt(over, "remaining"), 4);
  std::string ok = mesh.Hit(2, "sum", 4, 10);
  EXPECT_NE(ok.find("UNDER_LIMIT"), std::string::npos) << ok;
  EXPECT_TRUE(Eventually([&] { return mesh.Remaining(0, "sum", 10) == 0; }, 2000));

  // The mesh's members are HealthCheck's peers.
  auto health = HttpGet(mesh.process(0).http_url() + "/v1/HealthCheck");
  EXPECT_EQ(JsonInt(health.body, "peer_count"), 3) << health.body;
  EXPECT_NE(health.body.find("healthy"), std::string::npos);
}

TEST(MeshConvergenceTest, WindowsRollOverAndStateIsCollectedAfterTrafficStops) {
  MeshCluster mesh(2, {"--mesh-gc-grace", "300ms"});
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(2));
  // Start early in a 1 s window so the burst and the check fit in it.
  ASSERT_TRUE(Eventually([] { return NowMs() % 1000 < 100; }, 2000));
  const int64_t window_end = NowMs() / 1000 * 1000 + 1000;
  for (int k = 0; k < 5; ++k) mesh.Hit(0, "roll-" + std::to_string(k), 5, 5, 1000);
  EXPECT_TRUE(Eventually([&] { return mesh.Remaining(1, "roll-0", 5, 1000) == 0; }, 500));
  if (NowMs() < window_end) {
    EXPECT_NE(mesh.Hit(1, "roll-0", 1, 5, 1000).find("OVER_LIMIT"), std::string::npos);
  }
  EXPECT_GE(mesh.Stat(0, "windows"), 5);
  // roll-0 went out on the push's leading edge; the other four follow one push interval later.
  EXPECT_TRUE(Eventually([&] { return mesh.Stat(1, "windows") >= 5; }, 500)) << mesh.Stats(1);
  // The next window starts from zero on every node.
  ASSERT_TRUE(Eventually([&] { return NowMs() > window_end + 20; }, 2000));
  std::string next = mesh.Hit(1, "roll-0", 1, 5, 1000);
  EXPECT_NE(next.find("UNDER_LIMIT"), std::string::npos) << next;
  EXPECT_EQ(JsonInt(next, "remaining"), 4);
  // Traffic stops: every window ends, and after the grace every node forgets it.
  EXPECT_TRUE(Eventually(
      [&] { return mesh.Stat(0, "windows") == 0 && mesh.Stat(1, "windows") == 0; }, 4000))
      << mesh.Stats(0);
  EXPECT_GT(mesh.Stat(0, "windows_collected"), 0);
}

}  // namespace
}  // namespace sluice
