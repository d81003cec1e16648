#include "mesh/decision.h"

#include <gtest/gtest.h>

namespace sluice::mesh {
namespace {

core::RateLimitRequest Req(int64_t hits, int64_t limit, int64_t duration,
                           core::Algorithm algorithm = core::Algorithm::kFixedWindow) {
  core::RateLimitRequest r;
  r.name = "n";
  r.unique_key = "k";
  r.hits = hits;
  r.limit = limit;
  r.duration = duration;
  r.algorithm = static_cast<int32_t>(algorithm);
  return r;
}

CounterTable Table() {
  return CounterTable(
      CounterTable::Options{.self = OriginId{"a", 1}, .max_windows = 10, .gc_grace_ms = 0});
}

TEST(DecisionTest, WindowsAreEpochAligned) {
  auto w = WindowFor(Req(1, 10, 1000), 12'345);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->key, "n_k");
  EXPECT_EQ(w->start, 12'000);
  EXPECT_EQ(w->end, 13'000);
  w = WindowFor(Req(1, 10, 60'000, core::Algorithm::kTokenBucket), 125'000);
  EXPECT_EQ(w->start, 120'000);
  EXPECT_EQ(w->end, 180'000);
}

TEST(DecisionTest, GregorianTokenBucketUsesTheCalendarInterval) {
  auto r = Req(1, 10, 0 /* minutes */, core::Algorithm::kTokenBucket);
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
  EXPECT_NE(Decide(t, Req(-1, 10, 1000), 0).error.find("negative"), std::string::npos);
  auto reset = Req(1, 10, 1000);
  reset.behavior = core::behavior::kResetRemaining;
  EXPECT_NE(Decide(t, reset, 0).error.find("RESET_REMAINING"), std::string::npos);
  EXPECT_EQ(Decide(t, Req(1, 10, 0), 0).error, "duration must be positive");
  auto bad = Req(1, 10, 1000);
  bad.algorithm = 7;
  EXPECT_EQ(Decide(t, bad, 0).error, "Invalid rate limit algorithm '7'");
  auto long_key = Req(1, 10, 1000);
  long_key.unique_key = std::string(300, 'x');
  EXPECT_NE(Decide(t, long_key, 0).error.find("longer than"), std::string::npos);
  EXPECT_EQ(t.windows(), 0u);
}

TEST(DecisionTest, AnswersLimitRemainingAndWindowEnd) {
  CounterTable t = Table();
  auto r = Decide(t, Req(4, 5, 1000), 1500);
  EXPECT_EQ(r.status, core::Status::kUnderLimit);
  EXPECT_EQ(r.limit, 5);
  EXPECT_EQ(r.remaining, 1);
  EXPECT_EQ(r.reset_time, 2000);
  r = Decide(t, Req(2, 5, 1000), 1600);
  EXPECT_EQ(r.status, core::Status::kOverLimit);
  EXPECT_EQ(r.remaining, 1) << "a rejected request consumes nothing";
  r = Decide(t, Req(1, 5, 1000), 2000);
  EXPECT_EQ(r.status, core::Status::kUnderLimit) << "a new window";
  EXPECT_EQ(r.remaining, 4);
  EXPECT_EQ(r.reset_time, 3000);
}

TEST(DecisionTest, CreatedAtIsIgnored) {
  CounterTable t = Table();
  auto req = Req(1, 5, 1000);
  req.created_at = 99'999'999;
  EXPECT_EQ(Decide(t, req, 1500).reset_time, 2000);
}

}  // namespace
}  // namespace sluice::mesh
