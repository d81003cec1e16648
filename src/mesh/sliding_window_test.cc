#include "mesh/sliding_window.h"

#include <gtest/gtest.h>

#include "mesh/decision.h"
#include "testing/core_test_util.h"

namespace sluice::mesh {
namespace {

core::RateLimitRequest Sliding(int64_t hits, int64_t limit, int64_t duration) {
  return core::TestRequest(hits, limit, duration, core::Algorithm::kSlidingWindow);
}

CounterTable Node(const char* id) {
  return CounterTable(
      CounterTable::Options{.self = OriginId{id, 1}, .max_windows = 10, .gc_grace_ms = 0});
}

// What gossip does: every slot of `from`'s own origin merged into `to`.
void Replicate(const CounterTable& from, CounterTable& to, int64_t now) {
  from.VisitSince(from.self(), 0, [&](const SlotView& slot) {
    to.Merge(from.self(), slot.window, slot.count, slot.version, now);
    return true;
  });
}

TEST(MeshSlidingWindowTest, WeighsThePreviousWindowLikeTheCore) {
  CounterTable t = Node("a");
  EXPECT_EQ(Decide(t, Sliding(10, 10, 1000), 900).remaining, 0);
  auto r = Decide(t, Sliding(0, 10, 1000), 1100);  // 90% of 10 still inside
  EXPECT_EQ(r.remaining, 1);
  EXPECT_EQ(r.reset_time, 2000);
  r = Decide(t, Sliding(1, 10, 1000), 1100);
  EXPECT_EQ(r.status, core::Status::kUnderLimit);
  EXPECT_EQ(r.reset_time, 3000);  // a hit in the current window weighs until the next one ends
  r = Decide(t, Sliding(1, 10, 1000), 1100);
  EXPECT_EQ(r.status, core::Status::kOverLimit);
  EXPECT_EQ(r.remaining, 0) << "rejected: nothing added";
  EXPECT_EQ(Decide(t, Sliding(0, 10, 1000), 1500).remaining, 4);
  EXPECT_EQ(Decide(t, Sliding(0, 10, 1000), 3100).remaining, 10);  // both windows gone
}

TEST(MeshSlidingWindowTest, TheEstimateIsTheSumOverNodes) {
  CounterTable a = Node("a");
  CounterTable b = Node("b");
  EXPECT_EQ(Decide(a, Sliding(6, 10, 1000), 500).status, core::Status::kUnderLimit);
  EXPECT_EQ(Decide(b, Sliding(3, 10, 1000), 600).status, core::Status::kUnderLimit);
  Replicate(a, b, 700);
  Replicate(b, a, 700);
  EXPECT_EQ(Decide(a, Sliding(2, 10, 1000), 700).status, core::Status::kOverLimit);
  // Next window, half-way: half of the 9 (rounded up) from both nodes' previous window.
  EXPECT_EQ(Decide(b, Sliding(0, 10, 1000), 1500).remaining, 5);
  EXPECT_EQ(Decide(a, Sliding(5, 10, 1000), 1500).status, core::Status::kUnderLimit);
  Replicate(a, b, 1600);
  EXPECT_EQ(Decide(b, Sliding(1, 10, 1000), 1600).status, core::Status::kUnderLimit);  // 4 + 5 + 1
  EXPECT_EQ(Decide(b, Sliding(1, 10, 1000), 1600).status, core::Status::kOverLimit);
}

TEST(MeshSlidingWindowTest, DrainOverLimitFillsThisNodesSlot) {
  CounterTable t = Node("a");
  auto req = Sliding(20, 10, 1000);
  req.behavior = core::behavior::kDrainOverLimit;
  EXPECT_EQ(Decide(t, Sliding(3, 10, 1000), 100).remaining, 7);
  auto r = Decide(t, req, 200);
  EXPECT_EQ(r.status, core::Status::kOverLimit);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(Decide(t, Sliding(0, 10, 1000), 200).remaining, 0);
}

TEST(MeshSlidingWindowTest, SharesNoCounterWithAFixedWindowOfTheSameKey) {
  CounterTable t = Node("a");
  Decide(t, Sliding(10, 10, 1000), 100);
  auto fixed = Sliding(1, 10, 1000);
  fixed.algorithm = static_cast<int32_t>(core::Algorithm::kFixedWindow);
  EXPECT_EQ(Decide(t, fixed, 100).remaining, 9);
}

TEST(MeshSlidingWindowTest, AWindowAndItsSuccessorMustFitTheMeshsLongestWindow) {
  CounterTable t = Node("a");
  const int64_t year = 365LL * 24 * 3600 * 1000;
  EXPECT_EQ(Decide(t, Sliding(1, 10, year), 100).error,
            "sliding windows longer than 183 days are not supported in mesh mode");
  EXPECT_TRUE(Decide(t, Sliding(1, 10, year / 2 - 1000), 100).error.empty());
  auto gregorian = Sliding(1, 10, 1);
  gregorian.behavior = core::behavior::kDurationIsGregorian;
  EXPECT_EQ(Decide(t, gregorian, 100).error,
            "DURATION_IS_GREGORIAN is not supported for a sliding window");
}

}  // namespace
}  // namespace sluice::mesh
