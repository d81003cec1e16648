#include "mesh/leaky_bucket.h"

#include <gtest/gtest.h>

#include "mesh/decision.h"

namespace sluice::mesh {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // an epoch ms on a second boundary

core::RateLimitRequest Leaky(int64_t hits, int64_t limit = 10, int64_t duration = 1000,
                             int64_t burst = 0) {
  core::RateLimitRequest r;
  r.name = "n";
  r.unique_key = "k";
  r.hits = hits;
  r.limit = limit;
  r.duration = duration;
  r.burst = burst;
  r.algorithm = static_cast<int32_t>(core::Algorithm::kLeakyBucket);
  return r;
}

CounterTable::Options Opts(const std::string& node) {
  return CounterTable::Options{.self = OriginId{node, 1}, .max_windows = 1000, .gc_grace_ms = 0};
}

TEST(LeakyBucketTest, FillsToBurstThenLeaksAtTheRate) {
  CounterTable t(Opts("a"));
  // 10 per second, burst 10: g = 100 ms.
  auto r = Decide(t, Leaky(10), kT0);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, core::Status::kUnderLimit);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(r.reset_time, kT0 + 1000) << "empty again after a second";
  EXPECT_EQ(Decide(t, Leaky(1), kT0 + 1).status, core::Status::kOverLimit);
  // Hits count as arriving at their sub-window's end (kT0 + 100): one hit leaks by kT0 + 200.
  EXPECT_EQ(Decide(t, Leaky(1), kT0 + 150).status, core::Status::kOverLimit);
  r = Decide(t, Leaky(1), kT0 + 200);
  EXPECT_EQ(r.status, core::Status::kUnderLimit);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(Decide(t, Leaky(1), kT0 + 250).status, core::Status::kOverLimit);
  EXPECT_EQ(Decide(t, Leaky(1), kT0 + 300).status, core::Status::kUnderLimit)
      << "one more per 100 ms";
  // Read-only: the level at kT0 + 700 is 10 - 6 = 4 (plus the two admitted since).
  r = Decide(t, Leaky(0), kT0 + 700);
  EXPECT_EQ(r.status, core::Status::kUnderLimit);
  EXPECT_EQ(r.remaining, 4);
  // Long after, the bucket is empty: a full burst again.
  r = Decide(t, Leaky(10), kT0 + 5000);
  EXPECT_EQ(r.status, core::Status::kUnderLimit) << r.remaining;
}

TEST(LeakyBucketTest, SustainedRateIsTheLimit) {
  CounterTable t(Opts("a"));
  // Offer 3 hits every 10 ms (300/s) to a 100/s bucket with burst 20 for 10 s.
  int64_t admitted = 0;
  for (int64_t ms = 0; ms < 10'000; ms += 10) {
    for (int i = 0; i < 3; ++i) {
      if (Decide(t, Leaky(1, 100, 1000, 20), kT0 + ms).status == core::Status::kUnderLimit) {
        ++admitted;
      }
    }
  }
  // An exact leaky bucket admits 20 + 100 * 10 = 1020; never more, at most one sub-window's
  // leak (burst / 10 = 2) less plus the last sub-window's rounding.
  EXPECT_LE(admitted, 1020);
  EXPECT_GE(admitted, 1000);
}

TEST(LeakyBucketTest, DrainOverLimitEmptiesTheRoomAndOtherNodesCount) {
  CounterTable a(Opts("a"));
  CounterTable b(Opts("b"));
  EXPECT_EQ(Decide(a, Leaky(6), kT0).status, core::Status::kUnderLimit);
  // b learns a's sub-window slots by gossip (merged by per-node maximum).
  a.VisitSince(OriginId{"a", 1}, 0, [&](const SlotView& s) {
    EXPECT_EQ(b.Merge(OriginId{"a", 1}, s.window, s.count, s.version, kT0), MergeResult::kApplied);
    return true;
  });
  auto r = Decide(b, Leaky(5), kT0 + 1);
  EXPECT_EQ(r.status, core::Status::kOverLimit) << "6 + 5 > burst 10";
  EXPECT_EQ(r.remaining, 4);
  auto drain = Leaky(5);
  drain.behavior = core::behavior::kDrainOverLimit;
  r = Decide(b, drain, kT0 + 2);
  EXPECT_EQ(r.status, core::Status::kOverLimit);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(Decide(b, Leaky(1), kT0 + 3).status, core::Status::kOverLimit);
}

TEST(LeakyBucketTest, BadParametersAreErrorItems) {
  CounterTable t(Opts("a"));
  EXPECT_NE(Decide(t, Leaky(1, 0), kT0).error.find("positive limit"), std::string::npos);
  EXPECT_NE(Decide(t, Leaky(1, 10, 0), kT0).error.find("positive limit"), std::string::npos);
  EXPECT_NE(Decide(t, Leaky(1, 1, 400LL * 86'400'000), kT0).error.find("drains too slowly"),
            std::string::npos);
  auto long_key = Leaky(1);
  long_key.unique_key = std::string(252, 'x');
  EXPECT_NE(Decide(t, long_key, kT0).error.find("not supported"), std::string::npos);
  EXPECT_EQ(t.windows(), 0u);
}

}  // namespace
}  // namespace sluice::mesh
