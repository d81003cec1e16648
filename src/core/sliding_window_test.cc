#include "core/sliding_window.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "testing/core_test_util.h"

namespace sluice::core {
namespace {

class SlidingWindowTest : public LimiterFixture {
 protected:
  SlidingWindowTest() { algorithm_ = Algorithm::kSlidingWindow; }
};

TEST(SlidingEstimateTest, WeighsThePreviousWindowByItsPartStillInside) {
  EXPECT_EQ(SlidingEstimate(10, 3, 0, 1000), 13);
  EXPECT_EQ(SlidingEstimate(10, 3, 250, 1000), 11);  // 3 + 7.5, rounded up
  EXPECT_EQ(SlidingEstimate(10, 3, 999, 1000), 4);   // 3 + 0.01: a hit counts until it is out
  EXPECT_EQ(SlidingEstimate(0, 0, 500, 1000), 0);
  // A year-long window with a huge count does not overflow the product.
  const int64_t year = 365LL * 24 * 3600 * 1000;
  EXPECT_EQ(SlidingEstimate(int64_t{1} << 53, 0, year / 2, year), int64_t{1} << 52);
}

TEST_F(SlidingWindowTest, AdmitsUpToLimitInTheFirstWindow) {
  clock_.Set(kStart + 250);
  for (int i = 0; i < 5; ++i) {
    auto r = Hit(1, 5, 1000);
    EXPECT_EQ(r.status, Status::kUnderLimit) << i;
    EXPECT_EQ(r.remaining, 4 - i);
    // Hits in the current window weigh in until the end of the next one.
    EXPECT_EQ(r.reset_time, kStart + 2000);
  }
  auto over = Hit(1, 5, 1000);
  EXPECT_EQ(over.status, Status::kOverLimit);
  EXPECT_EQ(over.remaining, 0);
}

TEST_F(SlidingWindowTest, ThePreviousWindowFadesOutAcrossTheEdge) {
  clock_.Set(kStart + 900);
  Hit(10, 10, 1000);
  // Unlike a fixed window, the next window does not start with the full limit: at 10% into it,
  // 90% of the previous window's 10 hits still count.
  clock_.Set(kStart + 1100);
  auto r = Hit(0, 10, 1000);
  EXPECT_EQ(r.remaining, 1);
  EXPECT_EQ(r.reset_time, kStart + 2000);  // nothing in the current window: free at its end
  EXPECT_EQ(Hit(1, 10, 1000).status, Status::kUnderLimit);
  EXPECT_EQ(Hit(1, 10, 1000).status, Status::kOverLimit);
  clock_.Set(kStart + 1500);  // 5 of the previous 10 + 1 current
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 4);
  clock_.Set(kStart + 1999);  // 0.1 of 10, rounded up, + 1
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 8);
  clock_.Set(kStart + 2000);  // the window with 10 has slid out; 1 previous hit weighs fully
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 9);
}

TEST_F(SlidingWindowTest, ALongGapForgetsBothWindows) {
  Hit(10, 10, 1000);
  clock_.Set(kStart + 2500);  // two windows later: the old current window is not the previous
  auto r = Hit(1, 10, 1000);
  EXPECT_EQ(r.status, Status::kUnderLimit);
  EXPECT_EQ(r.remaining, 9);
  clock_.Set(kStart + 1'000'000);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 10);
}

TEST_F(SlidingWindowTest, RejectedRequestsDoNotConsume) {
  Hit(3, 5, 1000);
  EXPECT_EQ(Hit(3, 5, 1000).status, Status::kOverLimit);
  auto r = Hit(2, 5, 1000);
  EXPECT_EQ(r.status, Status::kUnderLimit);
  EXPECT_EQ(r.remaining, 0);
  // Retrying all through the first half of the next window does not keep the key blocked.
  for (int ms = 1000; ms < 1500; ms += 100) {
    clock_.Set(kStart + ms);
    EXPECT_EQ(Hit(5, 5, 1000).status, Status::kOverLimit) << ms;
  }
  clock_.Set(kStart + 1500);  // half of the previous 5, rounded up, still counts
  EXPECT_EQ(Hit(0, 5, 1000).remaining, 2);
}

TEST_F(SlidingWindowTest, LimitChangesApplyToTheSameCounts) {
  Hit(5, 5, 1000);
  EXPECT_EQ(Hit(1, 5, 1000).status, Status::kOverLimit);
  EXPECT_EQ(Hit(1, 10, 1000).status, Status::kUnderLimit);  // raised: admits at once
  auto lowered = Hit(0, 3, 1000);                            // 6 counted, limit 3: over
  EXPECT_EQ(lowered.status, Status::kOverLimit);
  EXPECT_EQ(lowered.remaining, 0);
  clock_.Set(kStart + 1700);  // 30% of 6 = 1.8 → 2 count
  EXPECT_EQ(Hit(0, 3, 1000).remaining, 1);
}

TEST_F(SlidingWindowTest, ADurationChangeStartsAfresh) {
  Hit(5, 5, 1000);
  EXPECT_EQ(Hit(1, 5, 2000).remaining, 4);
}

TEST_F(SlidingWindowTest, NegativeHitsGiveBackAndResetRemainingClears) {
  Hit(4, 5, 1000);
  EXPECT_EQ(Hit(-2, 5, 1000).remaining, 3);
  EXPECT_EQ(Hit(-10, 5, 1000).remaining, 5);  // never below 0
  Hit(5, 5, 1000);
  EXPECT_EQ(Hit(1, 5, 1000, behavior::kResetRemaining).remaining, 4);
}

TEST_F(SlidingWindowTest, DrainOverLimitFillsTheWindow) {
  clock_.Set(kStart + 900);
  Hit(4, 10, 1000);
  clock_.Set(kStart + 1500);  // 2 weighted + 0
  EXPECT_EQ(Hit(9, 10, 1000, behavior::kDrainOverLimit).status, Status::kOverLimit);
  EXPECT_EQ(Hit(1, 10, 1000).status, Status::kOverLimit);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 0);
}

TEST_F(SlidingWindowTest, CreatedAtBeforeTheStoredWindowCountsInIt) {
  clock_.Set(kStart + 1200);
  Hit(3, 10, 1000);
  auto req = Request(2, 10, 1000);
  req.created_at = kStart + 500;  // an earlier window: counted now, never forgetting the 3
  EXPECT_EQ(Check(req).remaining, 5);
}

TEST_F(SlidingWindowTest, NonPositiveDurationAndGregorianAreErrors) {
  EXPECT_EQ(Hit(1, 5, 0).error, "Error in slidingWindow: duration must be positive");
  EXPECT_EQ(Hit(1, 5, 1, behavior::kDurationIsGregorian).error,
            "Error in slidingWindow: DURATION_IS_GREGORIAN is not supported");
}

// The error bound of docs/envoy.md ("Sliding window"), measured: the same seeded arrivals go to
// the sliding-window counter (or, for comparison, the fixed window) and each decision is judged
// against an exact sliding log of the hits the counter admitted: the log would admit while fewer
// than `limit` of them lie in the last `duration` ms. Rejected requests are never counted.
struct Measured {
  int arrivals = 0;
  int admitted = 0;
  int false_admits = 0;   // admitted although the last `duration` ms already held `limit`
  int false_rejects = 0;  // rejected although the last `duration` ms held fewer than `limit`
  int max_in_window = 0;  // most admitted hits in any interval of `duration` ms
};

class SlidingWindowErrorTest : public LimiterFixture {
 protected:
  static constexpr int64_t kLimit = 100;
  static constexpr int64_t kDuration = 1000;

  Measured Run(const std::vector<int64_t>& arrivals, Algorithm algorithm) {
    algorithm_ = algorithm;
    Measured m;
    std::deque<int64_t> last;  // admitted hits of the last `duration` ms
    for (int64_t t : arrivals) {
      clock_.Set(kStart + t);
      while (!last.empty() && last.front() <= t - kDuration) last.pop_front();
      const bool exact_ok = static_cast<int64_t>(last.size()) < kLimit;
      RateLimitRequest req = Request(1, kLimit, kDuration);
      req.unique_key = std::to_string(static_cast<int>(algorithm));  // a fresh key per run
      const bool ok = Check(req).status == Status::kUnderLimit;
      ++m.arrivals;
      m.false_admits += ok && !exact_ok;
      m.false_rejects += !ok && exact_ok;
      if (ok) {
        ++m.admitted;
        last.push_back(t);
        m.max_in_window = std::max<int>(m.max_in_window, static_cast<int>(last.size()));
      }
    }
    std::printf("%s: arrivals %d, admitted %d, false admits %d (%.2f%%), false rejects %d "
                "(%.2f%%), most in any %lld ms: %d (limit %lld)\n",
                algorithm == Algorithm::kSlidingWindow ? "sliding" : "fixed", m.arrivals,
                m.admitted, m.false_admits, 100.0 * m.false_admits / m.arrivals, m.false_rejects,
                100.0 * m.false_rejects / m.arrivals, static_cast<long long>(kDuration),
                m.max_in_window, static_cast<long long>(kLimit));
    return m;
  }
};

TEST_F(SlidingWindowErrorTest, SeededRandomArrivalsStayCloseToAnExactLog) {
  // Poisson arrivals at 1.5 × the limit for 300 windows, millisecond resolution.
  std::mt19937_64 rng(20261203);
  std::exponential_distribution<double> gap(1.5 * kLimit / kDuration);
  std::vector<int64_t> arrivals;
  for (double t = 0; t < 300 * kDuration; t += gap(rng)) arrivals.push_back(static_cast<int64_t>(t));
  const Measured sliding = Run(arrivals, Algorithm::kSlidingWindow);
  const Measured fixed = Run(arrivals, Algorithm::kFixedWindow);
  // Measured (docs/envoy.md): sliding 107 at most in one second, 7.3 % false admits, 29,489
  // admitted; fixed 138, 32.7 %, 30,000. The bounds leave a margin.
  EXPECT_LE(sliding.max_in_window, kLimit * 110 / 100);
  EXPECT_LE(sliding.false_admits * 100, sliding.arrivals * 10);
  EXPECT_GE(sliding.admitted * 100, 300 * kLimit * 97);  // overload still gets the limit
  EXPECT_LE(sliding.admitted, 300 * kLimit);
  EXPECT_LT(sliding.max_in_window, fixed.max_in_window);
  EXPECT_LT(sliding.false_admits * 3, fixed.false_admits);
}

TEST_F(SlidingWindowErrorTest, ABurstAcrossTheEdgeIsNotAdmittedTwice) {
  // The limit at the end of one window, then a burst just after the edge: the fixed window
  // admits the limit twice within 11 ms, the sliding window only what has slid out.
  std::vector<int64_t> arrivals(2 * kLimit, kDuration - 1);
  arrivals.insert(arrivals.end(), 2 * kLimit, kDuration + 10);
  EXPECT_EQ(Run(arrivals, Algorithm::kFixedWindow).max_in_window, 2 * kLimit);
  EXPECT_EQ(Run(arrivals, Algorithm::kSlidingWindow).max_in_window, kLimit + 1);
}

TEST_F(SlidingWindowErrorTest, TheWorstCaseStaysBelowTwiceTheLimit) {
  // The estimate's worst case: the previous window's hits all at its last millisecond (it
  // assumes them spread out), then a burst at the end of the next window, when they weigh
  // almost nothing: 2 × limit − 1 in one interval, where the fixed window allows 2 × limit.
  std::vector<int64_t> arrivals(2 * kLimit, kDuration - 1);
  arrivals.insert(arrivals.end(), 2 * kLimit, 2 * kDuration - 2);
  EXPECT_EQ(Run(arrivals, Algorithm::kSlidingWindow).max_in_window, 2 * kLimit - 1);
}

}  // namespace
}  // namespace sluice::core
