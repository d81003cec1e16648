#include "testing/core_test_util.h"

namespace sluice::core {
namespace {

class FixedWindowTest : public LimiterFixture {
 protected:
  FixedWindowTest() { algorithm_ = Algorithm::kFixedWindow; }
};

TEST_F(FixedWindowTest, AdmitsUpToLimitThenRejectsUntilNextWindow) {
  clock_.Set(kStart + 250);
  for (int i = 0; i < 5; ++i) {
    auto r = Hit(1, 5, 1000);
    EXPECT_EQ(r.status, Status::kUnderLimit) << i;
    EXPECT_EQ(r.remaining, 4 - i);
    EXPECT_EQ(r.reset_time, kStart + 1000);  // aligned to the epoch, not the first hit
  }
  EXPECT_EQ(Hit(1, 5, 1000).status, Status::kOverLimit);
  clock_.Set(kStart + 999);
  EXPECT_EQ(Hit(1, 5, 1000).status, Status::kOverLimit);
  clock_.Set(kStart + 1000);
  auto r = Hit(1, 5, 1000);
  EXPECT_EQ(r.status, Status::kUnderLimit);
  EXPECT_EQ(r.remaining, 4);
}

TEST_F(FixedWindowTest, RejectedRequestsDoNotConsume) {
  Hit(3, 5, 60'000);
  EXPECT_EQ(Hit(3, 5, 60'000).status, Status::kOverLimit);
  auto r = Hit(2, 5, 60'000);
  EXPECT_EQ(r.status, Status::kUnderLimit);
  EXPECT_EQ(r.remaining, 0);
}

TEST_F(FixedWindowTest, ZeroHitsReadsWithoutCounting) {
  Hit(2, 5, 1000);
  auto r = Hit(0, 5, 1000);
  EXPECT_EQ(r.remaining, 3);
  EXPECT_EQ(r.status, Status::kUnderLimit);
}

TEST_F(FixedWindowTest, ZeroHitsAboveALoweredLimitIsOverLimit) {
  Hit(4, 5, 1000);
  auto at = Hit(0, 4, 1000);  // the count equals the new limit: not over
  EXPECT_EQ(at.status, Status::kUnderLimit);
  EXPECT_EQ(at.remaining, 0);
  auto above = Hit(0, 3, 1000);  // the count is above it
  EXPECT_EQ(above.status, Status::kOverLimit);
  EXPECT_EQ(above.remaining, 0);
}

TEST_F(FixedWindowTest, ResetRemainingEmptiesTheWindowThenCountsTheHits) {
  clock_.Set(kStart + 250);
  Hit(5, 5, 1000);
  EXPECT_EQ(Hit(1, 5, 1000).status, Status::kOverLimit);
  auto reset = Hit(0, 5, 1000, behavior::kResetRemaining);
  EXPECT_EQ(reset.status, Status::kUnderLimit);
  EXPECT_EQ(reset.remaining, 5);
  EXPECT_EQ(reset.reset_time, kStart + 1000);  // the same epoch-aligned window
  EXPECT_EQ(Hit(2, 5, 1000, behavior::kResetRemaining).remaining, 3);
  EXPECT_EQ(Hit(1, 5, 1000).remaining, 2);
}

TEST_F(FixedWindowTest, RaisingTheLimitMidWindowAdmitsAgain) {
  Hit(5, 5, 1000);
  EXPECT_EQ(Hit(1, 5, 1000).status, Status::kOverLimit);
  EXPECT_EQ(Hit(1, 10, 1000).status, Status::kUnderLimit);
}

TEST_F(FixedWindowTest, DrainOverLimitFillsWindow) {
  Hit(2, 5, 1000);
  EXPECT_EQ(Hit(4, 5, 1000, behavior::kDrainOverLimit).remaining, 0);
  EXPECT_EQ(Hit(1, 5, 1000).status, Status::kOverLimit);
}

TEST_F(FixedWindowTest, NonPositiveDurationIsAnError) {
  EXPECT_FALSE(Hit(1, 5, 0).error.empty());
}

TEST_F(FixedWindowTest, UnknownAlgorithmIsAnError) {
  auto req = Request(1, 5, 1000);
  req.algorithm = 7;
  EXPECT_EQ(Check(req).error, "Invalid rate limit algorithm '7'");
}

}  // namespace
}  // namespace sluice::core
