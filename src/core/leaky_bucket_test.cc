// Leaky bucket: every row of reference/gubernator.md §2.4, driven by a manual clock.
#include "testing/core_test_util.h"

#include <limits>

namespace sluice::core {
namespace {

constexpr auto kUnder = Status::kUnderLimit;
constexpr auto kOver = Status::kOverLimit;

class LeakyBucketTest : public LimiterFixture {
 protected:
  LeakyBucketTest() { algorithm_ = Algorithm::kLeakyBucket; }
  RateLimitResponse HitBurst(int64_t hits, int64_t limit, int64_t duration, int64_t burst,
                             int32_t behavior = 0) {
    auto req = Request(hits, limit, duration, behavior);
    req.burst = burst;
    return Check(req);
  }
};

// limit 10 per 1000 ms: one token leaks back every 100 ms.
TEST_F(LeakyBucketTest, NewBucketReportsTimeUntilFull) {
  auto r = Hit(1, 10, 1000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.limit, 10);
  EXPECT_EQ(r.remaining, 9);
  EXPECT_EQ(r.reset_time, kStart + 100);
}

TEST_F(LeakyBucketTest, ZeroHitsOnAbsentKeyCreatesFullBucket) {
  auto r = Hit(0, 10, 1000);
  EXPECT_EQ(r.remaining, 10);
  EXPECT_EQ(r.reset_time, kStart);
}

TEST_F(LeakyBucketTest, LeaksWholeTokensOverTime) {
  Hit(10, 10, 1000);
  clock_.Advance(250);  // 2.5 tokens: two whole ones come back
  auto r = Hit(0, 10, 1000);
  EXPECT_EQ(r.remaining, 2);
  clock_.Advance(50);  // half a token since the last applied leak: not applied yet
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 2);
  clock_.Advance(50);  // a whole token since then: 2.5 + 1 = 3.5
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 3);
}

TEST_F(LeakyBucketTest, SubTokenLeaksAccumulate) {
  Hit(10, 10, 1000);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(30);
    Hit(0, 10, 1000);
  }
  // 150 ms in 30 ms steps: the fractions add up to one whole token.
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 1);
}

TEST_F(LeakyBucketTest, NeverFillsAboveBurst) {
  Hit(1, 10, 1000);
  clock_.Advance(10'000);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 10);
}

TEST_F(LeakyBucketTest, HitsOverBurstOnNewKeyLeaveItEmpty) {
  auto r = Hit(11, 10, 1000);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(r.reset_time, kStart + 1000);
  EXPECT_EQ(Hit(1, 10, 1000).status, kOver);
}

TEST_F(LeakyBucketTest, HitsOverRemainingRejectedWithoutConsuming) {
  Hit(8, 10, 1000);
  auto r = Hit(3, 10, 1000);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 2);
  EXPECT_EQ(Hit(2, 10, 1000).status, kUnder);
}

TEST_F(LeakyBucketTest, DrainOverLimitEmptiesTheBucket) {
  Hit(8, 10, 1000);
  auto r = Hit(3, 10, 1000, behavior::kDrainOverLimit);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 0);
}

TEST_F(LeakyBucketTest, EmptyBucketRejectsButIsNotSticky) {
  Hit(10, 10, 1000);
  EXPECT_EQ(Hit(1, 10, 1000).status, kOver);
  clock_.Advance(100);
  auto r = Hit(1, 10, 1000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(r.reset_time, kStart + 100 + 1000);
}

TEST_F(LeakyBucketTest, HitsEqualRemainingLeavesExactlyZero) {
  Hit(4, 10, 1000);
  auto r = Hit(6, 10, 1000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(r.reset_time, kStart + 1000);
}

TEST_F(LeakyBucketTest, NegativeHitsAddAndAreCappedAtNextRequest) {
  Hit(5, 10, 1000);
  auto r = Hit(-10, 10, 1000);
  EXPECT_EQ(r.remaining, 15);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 10);  // capped to burst on the next request
}

TEST_F(LeakyBucketTest, LimitChangeChangesRateAndBurstFollows) {
  Hit(10, 10, 1000);  // empty; burst 10
  clock_.Advance(100);
  auto r = Hit(0, 20, 1000);  // rate now 50 ms/token, burst 20: +2 tokens for 100 ms
  EXPECT_EQ(r.limit, 20);
  EXPECT_EQ(r.remaining, 2);  // the raised burst hands out nothing (Gubernator refills to 20)
}

// Gubernator's TestChangeLimit: 99 of 100 left, limit (and so burst) drops to 10: capped to 10,
// then the hit.
TEST_F(LeakyBucketTest, LimitDropCapsWhatIsLeftAtTheNewBurst) {
  EXPECT_EQ(Hit(1, 100, 9000).remaining, 99);
  auto r = Hit(1, 10, 9000);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 9);
  EXPECT_EQ(r.reset_time, kStart + 900);
  EXPECT_EQ(Hit(1, 10, 9000).remaining, 8);
}

TEST_F(LeakyBucketTest, BurstIncreaseDoesNotRefill) {
  HitBurst(10, 10, 1000, 10);  // empty
  auto r = HitBurst(1, 10, 1000, 20);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 0);
}

TEST_F(LeakyBucketTest, BurstAboveLimitAllowsBigFirstHit) {
  auto r = HitBurst(15, 10, 1000, 20);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 5);
  EXPECT_EQ(r.reset_time, kStart + 500);
  // With burst > limit the reset can lie before now (Gubernator's tests assert this).
  clock_.Advance(10'000);
  auto full = HitBurst(0, 10, 1000, 20);
  EXPECT_EQ(full.remaining, 20);
  EXPECT_EQ(full.reset_time, kStart + 10'000 - 1000);
}

TEST_F(LeakyBucketTest, BurstDecreaseCapsRemaining) {
  HitBurst(2, 10, 1000, 20);  // 18 left of 20
  EXPECT_EQ(HitBurst(0, 10, 1000, 5).remaining, 5);
  HitBurst(4, 10, 1000, 5);  // 1 left of 5
  EXPECT_EQ(HitBurst(0, 10, 1000, 3).remaining, 1);  // under the new burst: kept, not refilled
}

TEST_F(LeakyBucketTest, AlgorithmChangeDiscardsOldState) {
  algorithm_ = Algorithm::kTokenBucket;
  Hit(5, 10, 1000);
  algorithm_ = Algorithm::kLeakyBucket;
  EXPECT_EQ(Hit(1, 10, 1000).remaining, 9);
}

TEST_F(LeakyBucketTest, ResetRemainingRefillsThenAppliesHits) {
  Hit(10, 10, 1000);
  auto r = Hit(3, 10, 1000, behavior::kResetRemaining);
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 7);
}

TEST_F(LeakyBucketTest, LimitZeroRejectsEverythingWithoutDividingByZero) {
  auto r = Hit(1, 0, 1000);
  EXPECT_EQ(r.status, kOver);
  EXPECT_EQ(r.remaining, 0);
  EXPECT_EQ(r.reset_time, kStart);
  clock_.Advance(5000);
  EXPECT_EQ(Hit(1, 0, 1000).status, kOver);
}

TEST_F(LeakyBucketTest, ReadsDoNotExtendLifetime) {
  Hit(1, 10, 1000);  // expires at kStart + 1000
  clock_.Advance(900);
  Hit(0, 10, 1000);
  clock_.Advance(200);  // past the expiry set by the hit
  EXPECT_EQ(store_.Peek("test_account:1", clock_.NowMillis()), std::nullopt);
}

TEST_F(LeakyBucketTest, GregorianRateUsesWholeInterval) {
  clock_.Set(1573430430000);  // 2019-11-11T00:00:30Z
  // 60 per minute: one token per second, whether the bucket is new or not.
  auto r = Hit(1, 60, 0, behavior::kDurationIsGregorian);
  EXPECT_EQ(r.remaining, 59);
  EXPECT_EQ(r.reset_time, 1573430430000 + 1000);
  Hit(59, 60, 0, behavior::kDurationIsGregorian);
  clock_.Advance(3000);
  EXPECT_EQ(Hit(0, 60, 0, behavior::kDurationIsGregorian).remaining, 3);
}

TEST_F(LeakyBucketTest, GregorianInvalidCodeIsAnError) {
  auto r = Hit(1, 10, 9, behavior::kDurationIsGregorian);
  EXPECT_EQ(r.error,
            "Error in leakyBucket: behavior DURATION_IS_GREGORIAN is set; but `Duration` is not a "
            "valid gregorian interval");
}

// A new bucket's remaining is burst - hits in int64, saturated (Go wraps around).
TEST_F(LeakyBucketTest, NewBucketArithmeticBeyondInt64Saturates) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto r = Hit(kMin, 3, 30);
  EXPECT_EQ(r.remaining, kMax);
  EXPECT_EQ(r.reset_time, kStart + kMin);  // (3 - kMax) * 10 ms per token saturates at -2^63
}

// A negative duration makes the rate negative; Gubernator still divides, so a request whose
// created_at lies before the last leak (negative elapsed) leaks a positive amount. Sluice
// computes the same (found by the differential fuzzer).
TEST_F(LeakyBucketTest, NegativeDurationLeaksAsGubernatorComputes) {
  auto first = Request(29, 39, -237);
  first.created_at = kStart + 1120;
  EXPECT_EQ(Check(first).remaining, 10);
  auto r = Hit(5, 39, -237);  // elapsed -1120 ms / -6.08 ms per token: 184 leak, capped at 39
  EXPECT_EQ(r.status, kUnder);
  EXPECT_EQ(r.remaining, 34);
  EXPECT_EQ(r.reset_time, kStart + 5 * -6);
}

}  // namespace
}  // namespace sluice::core
