#include "mesh/decision.h"

#include <gtest/gtest.h>

#include "testing/core_test_util.h"

namespace sluice::mesh {
namespace {

using core::TestRequest;  // a request for key "n_k" (testing/core_test_util.h)
constexpr core::Algorithm kFixed = core::Algorithm::kFixedWindow;

CounterTable Table() {
  return CounterTable(
      CounterTable::Options{.self = OriginId{"a", 1}, .max_windows = 10, .gc_grace_ms = 0});
}

TEST(DecisionTest, WindowsAreEpochAligned) {
  auto w = WindowFor(TestRequest(1, 10, 1000, kFixed), 12'345);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->key, "n_k");
  EXPECT_EQ(w->start, 12'000);
  EXPECT_EQ(w->end, 13'000);
  w = WindowFor(TestRequest(1, 10, 60'000, core::Algorithm::kTokenBucket), 125'000);
  EXPECT_EQ(w->start, 120'000);
  EXPECT_EQ(w->end, 180'000);
}

TEST(DecisionTest, GregorianTokenBucketUsesTheCalendarInterval) {
  auto r = TestRequest(1, 10, 0 /* minutes */, core::Algorithm::kTokenBucket);
  r.behavior = core::behavior::kDurationIsGregorian;
  auto w = WindowFor(r, 90'500);  // 00:01:30.5
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->start, 60'000);
  EXPECT_EQ(w->end, 120'000);
  r.duration = 99;
  EXPECT_FALSE(WindowFor(r, 90'500).ok());
}

TEST(DecisionTest, UnsupportedRequestsAreErrorItems) {
  CounterTable t = Table();
  EXPECT_NE(Decide(t, TestRequest(-1, 10, 1000, kFixed), 0).error.find("negative"),
            std::string::npos);
  EXPECT_EQ(Decide(t, TestRequest(1, 10, 0, kFixed), 0).error, "duration must be positive");
  auto bad = TestRequest(1, 10, 1000, kFixed);
  bad.algorithm = 7;
  EXPECT_EQ(Decide(t, bad, 0).error, "Invalid rate limit algorithm '7'");
  auto long_key = TestRequest(1, 10, 1000, kFixed);
  long_key.unique_key = std::string(300, 'x');
  EXPECT_NE(Decide(t, long_key, 0).error.find("longer than"), std::string::npos);
  EXPECT_EQ(t.windows(), 0u);
}

TEST(DecisionTest, AnswersLimitRemainingAndWindowEnd) {
  CounterTable t = Table();
  auto r = Decide(t, TestRequest(4, 5, 1000, kFixed), 1500);
  EXPECT_EQ(r.status, core::Status::kUnderLimit);
  EXPECT_EQ(r.limit, 5);
  EXPECT_EQ(r.remaining, 1);
  EXPECT_EQ(r.reset_time, 2000);
  r = Decide(t, TestRequest(2, 5, 1000, kFixed), 1600);
  EXPECT_EQ(r.status, core::Status::kOverLimit);
  EXPECT_EQ(r.remaining, 1) << "a rejected request consumes nothing";
  r = Decide(t, TestRequest(1, 5, 1000, kFixed), 2000);
  EXPECT_EQ(r.status, core::Status::kUnderLimit) << "a new window";
  EXPECT_EQ(r.remaining, 4);
  EXPECT_EQ(r.reset_time, 3000);
}

// RESET_REMAINING empties every window the algorithm reads, then applies the hits: a fixed
// window, a sliding window's two windows, a leaky bucket's whole history.
TEST(DecisionTest, ResetRemainingEmptiesTheWindowsOfEveryAlgorithmThenCounts) {
  for (core::Algorithm algorithm : {kFixed, core::Algorithm::kTokenBucket,
                                    core::Algorithm::kSlidingWindow,
                                    core::Algorithm::kLeakyBucket}) {
    SCOPED_TRACE(static_cast<int>(algorithm));
    CounterTable t = Table();
    const int64_t t0 = 1'700'000'000'000;
    // Full in the previous window and in the current one (the sliding window weighs both; the
    // leaky bucket's history holds both).
    ASSERT_EQ(Decide(t, TestRequest(5, 5, 1000, algorithm), t0 - 10).status,
              core::Status::kUnderLimit);
    ASSERT_EQ(Decide(t, TestRequest(5, 5, 1000, algorithm), t0 + 10).status,
              algorithm == core::Algorithm::kSlidingWindow || algorithm == core::Algorithm::kLeakyBucket
                  ? core::Status::kOverLimit
                  : core::Status::kUnderLimit);
    ASSERT_EQ(Decide(t, TestRequest(1, 5, 1000, algorithm), t0 + 20).status,
              core::Status::kOverLimit);
    auto reset = TestRequest(2, 5, 1000, algorithm);
    reset.behavior = core::behavior::kResetRemaining;
    auto r = Decide(t, reset, t0 + 30);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.status, core::Status::kUnderLimit);
    EXPECT_EQ(r.remaining, 3) << "emptied, then the request's own 2 hits";
    EXPECT_EQ(Decide(t, TestRequest(3, 5, 1000, algorithm), t0 + 40).status,
              core::Status::kUnderLimit);
    EXPECT_EQ(Decide(t, TestRequest(1, 5, 1000, algorithm), t0 + 50).status,
              core::Status::kOverLimit);
  }
}

TEST(DecisionTest, CreatedAtIsIgnored) {
  CounterTable t = Table();
  auto req = TestRequest(1, 5, 1000, kFixed);
  req.created_at = 99'999'999;
  EXPECT_EQ(Decide(t, req, 1500).reset_time, 2000);
}

}  // namespace
}  // namespace sluice::mesh
