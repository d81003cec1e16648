// Token bucket: every row of reference/gubernator.md §2.4, driven by a manual clock.
#include "testing/core_test_util.h"

#include <limits>

namespace sluice::core {
namespace {

using TokenBucketTest = LimiterFixture;
constexpr auto kUnder = Status::kUnderLimit;
constexpr auto kOver = Status::kOverLimit;

TEST_F(TokenBucketTest, NewBucketConsumesAndReportsWindowEnd) {
  auto r = Hit(1, 10, 1000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.limit, 10);
  EXPECT_EQ(r.remaining, 9);
  EXPECT_EQ(r.reset_time, kStart + 1000);
  EXPECT_TRUE(r.error.empty());
}

TEST_F(TokenBucketTest, ZeroHitsOnAbsentKeyCreatesFullBucket) {
  auto r = Hit(0, 10, 1000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 10);
  EXPECT_EQ(r.reset_time, kStart + 1000);
  EXPECT_EQ(store_.Size(), 1u);
}

TEST_F(TokenBucketTest, ZeroHitsOnExistingKeyIsAPureRead) {
  Hit(3, 10, 1000);
  clock_.Advance(10);
  auto r = Hit(0, 10, 1000);
  EXPECT_EQ(r.remaining, 7);
  EXPECT_EQ(r.reset_time, kStart + 1000);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 7);
}

TEST_F(TokenBucketTest, HitsOverLimitOnNewKeyConsumeNothing) {
  auto r = Hit(11, 10, 1000);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 10);
  auto next = Hit(1, 10, 1000);
  EXPECT_EQ(next.status, kUnder);
  EXPECT_EQ(next.remaining, 9);
}

TEST_F(TokenBucketTest, HitsOverRemainingRejectedWithoutConsuming) {
  Hit(8, 10, 1000);
  auto r = Hit(3, 10, 1000);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 2);
  auto ok = Hit(2, 10, 1000);
  EXPECT_EQ(ok.status, kUnder);
  EXPECT_EQ(ok.remaining, 0);
}

TEST_F(TokenBucketTest, DrainOverLimitEmptiesTheBucket) {
  Hit(8, 10, 1000);
  auto r = Hit(3, 10, 1000, behavior::kDrainOverLimit);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 0);
}

TEST_F(TokenBucketTest, HitAtZeroRemainingMakesStatusStickyForTheWindow) {
  EXPECT_EQ(Hit(10, 10, 1000).status, kUnder);  // hits == remaining: 0 left, still under
  EXPECT_EQ(Hit(1, 10, 1000).status, kOver);
  auto read = Hit(0, 10, 1000);
  EXPECT_EQ(read.status, kOver);  // sticky, as Gubernator
  EXPECT_EQ(read.remaining, 0);
  clock_.Advance(1001);  // the window ends: a fresh bucket
  auto fresh = Hit(1, 10, 1000);
  EXPECT_EQ(fresh.status, kUnder);
  EXPECT_EQ(fresh.remaining, 9);
}

TEST_F(TokenBucketTest, HitsEqualRemainingLeavesZeroUnderLimit) {
  Hit(4, 10, 1000);
  auto r = Hit(6, 10, 1000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 0);
}

TEST_F(TokenBucketTest, NegativeHitsGiveTokensBackUncapped) {
  Hit(5, 10, 1000);
  auto r = Hit(-10, 10, 1000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 15);
  EXPECT_EQ(Hit(-1, 10, 1000).remaining, 16);
}

TEST_F(TokenBucketTest, NegativeHitsWorkAtZeroRemaining) {
  Hit(10, 10, 1000);
  auto r = Hit(-2, 10, 1000);
  EXPECT_EQ(r.remaining, 2);
}

TEST_F(TokenBucketTest, LimitChangeShiftsRemainingNeverBelowZero) {
  Hit(4, 10, 1000);  // 6 left
  auto up = Hit(0, 20, 1000);
  EXPECT_EQ(up.limit, 20);
  EXPECT_EQ(up.remaining, 16);
  auto down = Hit(0, 2, 1000);
  EXPECT_EQ(down.limit, 2);
  EXPECT_EQ(down.remaining, 0);
}

TEST_F(TokenBucketTest, DurationChangeMovesWindowEndFromCreation) {
  Hit(1, 10, 1000);
  clock_.Advance(500);
  auto r = Hit(1, 10, 5000);
  EXPECT_EQ(r.reset_time, kStart + 5000);
  EXPECT_EQ(r.remaining, 8);
}

TEST_F(TokenBucketTest, DurationChangeRenewsWhenAlreadyPast) {
  Hit(5, 10, 10'000);
  clock_.Advance(2000);
  // New duration 1000 means the window ended at kStart+1000: renew from now.
  auto r = Hit(1, 10, 1000);
  EXPECT_EQ(r.reset_time, kStart + 2000 + 1000);
  EXPECT_EQ(r.remaining, 9);  // Sluice answers with the renewed bucket
}

TEST_F(TokenBucketTest, AlgorithmChangeDiscardsOldState) {
  algorithm_ = Algorithm::kLeakyBucket;
  Hit(5, 10, 1000);
  algorithm_ = Algorithm::kTokenBucket;
  auto r = Hit(1, 10, 1000);
  EXPECT_EQ(r.remaining, 9);
}

TEST_F(TokenBucketTest, ResetRemainingDeletesAndIgnoresHits) {
  Hit(7, 10, 1000);
  auto r = Hit(3, 10, 1000, behavior::kResetRemaining);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 10);
  EXPECT_EQ(r.reset_time, 0);
  EXPECT_EQ(store_.Size(), 0u);
  EXPECT_EQ(Hit(1, 10, 1000).remaining, 9);
}

TEST_F(TokenBucketTest, ResetRemainingOnAbsentKeyAppliesHits) {
  auto r = Hit(3, 10, 1000, behavior::kResetRemaining);
  EXPECT_EQ(r.remaining, 7);
}

TEST_F(TokenBucketTest, LimitZeroIsAlwaysOver) {
  auto r = Hit(1, 0, 1000);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 0);
}

TEST_F(TokenBucketTest, ExpiryIsStrictAndUsesServerClock) {
  Hit(10, 10, 1000);
  clock_.Advance(1000);  // expire_at == now: still alive
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 0);
  clock_.Advance(1);  // expire_at < now: gone
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 10);
}

TEST_F(TokenBucketTest, CreatedAtDrivesWindowStart) {
  auto req = Request(1, 10, 1000);
  req.created_at = kStart - 400;  // client stamped earlier
  EXPECT_EQ(Check(req).reset_time, kStart + 600);
}

TEST_F(TokenBucketTest, GregorianMinuteEndsAtLastMillisecond) {
  clock_.Set(1573430430000);  // 2019-11-11T00:00:30Z
  auto r = Hit(1, 10, 0 /* minutes */, behavior::kDurationIsGregorian);
  EXPECT_EQ(r.reset_time, 1573430459999);
  EXPECT_EQ(r.remaining, 9);
}

TEST_F(TokenBucketTest, GregorianWindowResetsAtIntervalEnd) {
  clock_.Set(1573430459999);  // last ms of a minute
  Hit(10, 10, 0, behavior::kDurationIsGregorian);
  EXPECT_EQ(Hit(1, 10, 0, behavior::kDurationIsGregorian).status, kOver);
  clock_.Advance(1);  // first ms of the next minute
  auto r = Hit(1, 10, 0, behavior::kDurationIsGregorian);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 9);
  EXPECT_EQ(r.reset_time, 1573430519999);
}

TEST_F(TokenBucketTest, GregorianWeeksAreSupported) {
  clock_.Set(1573430430000);  // Monday 2019-11-11
  auto r = Hit(1, 10, 3, behavior::kDurationIsGregorian);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.reset_time, 1574035199999);  // Sunday 2019-11-17T23:59:59.999Z
}

TEST_F(TokenBucketTest, GregorianInvalidCodeIsAnError) {
  auto r = Hit(1, 10, 6, behavior::kDurationIsGregorian);
  EXPECT_EQ(r.error,
            "Error in tokenBucket: behavior DURATION_IS_GREGORIAN is set; but `Duration` is not a "
            "valid gregorian interval");
  EXPECT_EQ(store_.Size(), 0u);
}

// Request values near the int64 range saturate instead of overflowing (undefined in C++; Go,
// and so Gubernator, wraps around: docs/compatibility.md, int64-saturation). The doors reject
// such values (core/admission.h); the core stays defined for any input.
TEST_F(TokenBucketTest, ArithmeticBeyondInt64Saturates) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Hit(kMin, 3, 1000).remaining, kMax);  // 3 - (-2^63); Go: -2^63 + 3
  EXPECT_EQ(Hit(0, kMax, 1000).remaining, kMax);  // limit change: + (2^63 - 4), saturated
  auto r = Hit(0, kMax, kMax);  // duration change: the new end saturates, it does not wrap
  EXPECT_EQ(r.remaining, kMax);
  EXPECT_EQ(r.reset_time, kMax);
}

}  // namespace
}  // namespace sluice::core
