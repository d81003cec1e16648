#include "rules/counter_key.h"

#include "gtest/gtest.h"

namespace sluice::rules {
namespace {

TEST(CounterKeyTest, JoinsDomainEntriesAndUnit) {
  EXPECT_EQ(CounterKey("sluice-demo", {{"generic_key", "limited"}}, Unit::kSecond),
            "sluice-demo_generic_key_limited_second");
  EXPECT_EQ(CounterKey("d", {{"a", "1"}, {"b", "2"}}, Unit::kHour), "d_a_1_b_2_hour");
  EXPECT_EQ(CounterKey("d", {{"remote_address", ""}}, Unit::kDay), "d_remote_address__day");
  EXPECT_EQ(CounterKey("d", {}, Unit::kYear), "d_year");
}

TEST(CounterKeyTest, DifferentUnitsNeverShareACounter) {
  EXPECT_NE(CounterKey("d", {{"k", "v"}}, Unit::kMinute),
            CounterKey("d", {{"k", "v"}}, Unit::kHour));
}

}  // namespace
}  // namespace sluice::rules
