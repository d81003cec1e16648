// Gregorian interval ends at the last millisecond of minute, hour, day, week, month and year,
// including leap years (reference/gubernator.md §2.5 examples).
#include "core/gregorian.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

constexpr int64_t kMinutes = 0, kHours = 1, kDays = 2, kWeeks = 3, kMonths = 4, kYears = 5;

int64_t End(int64_t now, int64_t code) {
  auto end = GregorianExpiration(now, code);
  EXPECT_TRUE(end.ok()) << end.status();
  return end.value_or(-1);
}

TEST(GregorianTest, ReferenceExamples) {
  EXPECT_EQ(End(1573430430000, kMinutes), 1573430459999);  // 2019-11-11 00:00:30
  EXPECT_EQ(End(1573431601000, kHours), 1573433999999);    // 2019-11-11 00:20:01
  EXPECT_EQ(End(1573474209000, kDays), 1573516799999);     // 2019-11-11 12:10:09
  EXPECT_EQ(End(1573509743000, kMonths), 1575158399999);   // 2019-11-11 22:02:23
  EXPECT_EQ(End(1551398400000, kYears), 1577836799999);    // 2019-03-01
  EXPECT_EQ(End(1546300800000, kMonths), 1548979199999);   // Jan 2019 ends on the 31st
}

TEST(GregorianTest, LastMillisecondBelongsToTheInterval) {
  // 2019-11-11T00:00:59.999Z is still in the minute that ends there; one ms later is not.
  EXPECT_EQ(End(1573430459999, kMinutes), 1573430459999);
  EXPECT_EQ(End(1573430460000, kMinutes), 1573430519999);
  EXPECT_EQ(End(1573433999999, kHours), 1573433999999);
  EXPECT_EQ(End(1573434000000, kHours), 1573437599999);
  EXPECT_EQ(End(1573516799999, kDays), 1573516799999);
  EXPECT_EQ(End(1573516800000, kDays), 1573603199999);
  EXPECT_EQ(End(1575158399999, kMonths), 1575158399999);
  EXPECT_EQ(End(1575158400000, kMonths), 1577836799999);  // December has 31 days
  EXPECT_EQ(End(1577836799999, kYears), 1577836799999);
  EXPECT_EQ(End(1577836800000, kYears), 1609459199999);  // 2020 ends 2020-12-31T23:59:59.999Z
}

TEST(GregorianTest, WeeksRunMondayToSunday) {
  // Sunday 2019-11-17T23:59:59.999Z ends the week of Monday 2019-11-11.
  EXPECT_EQ(End(1573430400000, kWeeks), 1574035199999);
  EXPECT_EQ(End(1574035199999, kWeeks), 1574035199999);
  EXPECT_EQ(End(1574035200000, kWeeks), 1574639999999);
  // The epoch was a Thursday: its week began Monday 1969-12-29.
  EXPECT_EQ(End(0, kWeeks), 4 * 86'400'000 - 1);
}

TEST(GregorianTest, LeapYears) {
  // 2020-02-10: February 2020 has 29 days.
  EXPECT_EQ(End(1581292800000, kMonths), 1583020799999);  // 2020-02-29T23:59:59.999Z
  EXPECT_EQ(*GregorianLength(1581292800000, kMonths), 29 * 86'400'000LL);
  // 2019-02-10: 28 days.
  EXPECT_EQ(End(1549756800000, kMonths), 1551398399999);  // 2019-02-28T23:59:59.999Z
  EXPECT_EQ(*GregorianLength(1549756800000, kMonths), 28 * 86'400'000LL);
  EXPECT_EQ(*GregorianLength(1581292800000, kYears), 366 * 86'400'000LL);
  EXPECT_EQ(*GregorianLength(1549756800000, kYears), 365 * 86'400'000LL);
  // 2100 is not a leap year, 2000 was.
  EXPECT_EQ(*GregorianLength(4105123200000, kMonths), 28 * 86'400'000LL);  // 2100-02-01
  EXPECT_EQ(*GregorianLength(949363200000, kMonths), 29 * 86'400'000LL);   // 2000-02-01
}

TEST(GregorianTest, Lengths) {
  EXPECT_EQ(*GregorianLength(1573430430000, kMinutes), 60'000);
  EXPECT_EQ(*GregorianLength(1573430430000, kHours), 3'600'000);
  EXPECT_EQ(*GregorianLength(1573430430000, kDays), 86'400'000);
  EXPECT_EQ(*GregorianLength(1573430430000, kWeeks), 604'800'000);
  EXPECT_EQ(*GregorianLength(1573430430000, kMonths), 30 * 86'400'000LL);
}

TEST(GregorianTest, InvalidCodes) {
  for (int64_t code : {-1, 6, 100}) {
    auto end = GregorianExpiration(1573430430000, code);
    ASSERT_FALSE(end.ok());
    EXPECT_EQ(end.status().message(), kInvalidGregorianInterval);
  }
}

}  // namespace
}  // namespace sluice::core
