#include "obs/exposition.h"

#include <limits>

#include "gtest/gtest.h"

namespace sluice::obs {
namespace {

TEST(ExpositionTest, ContentType) {
  EXPECT_EQ(kExpositionContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(ExpositionTest, MetricNames) {
  EXPECT_TRUE(IsValidMetricName("sluice_requests_total"));
  EXPECT_TRUE(IsValidMetricName("_x"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName("a b"));
}

TEST(ExpositionTest, LabelNames) {
  EXPECT_TRUE(IsValidLabelName("method"));
  EXPECT_TRUE(IsValidLabelName("_a1"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("9a"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
}

TEST(ExpositionTest, LabelValueEscaping) {
  std::string out;
  AppendEscapedLabelValue(out, "a\\b\"c\nd/é");
  EXPECT_EQ(out, R"(a\\b\"c\nd/é)");
}

TEST(ExpositionTest, HelpEscapingLeavesQuotes) {
  std::string out;
  AppendEscapedHelp(out, "say \"hi\"\\\n");
  EXPECT_EQ(out, R"(say "hi"\\\n)");
}

TEST(ExpositionTest, Values) {
  auto format = [](auto value) {
    std::string out;
    AppendValue(out, value);
    return out;
  };
  EXPECT_EQ(format(0.0), "0");
  EXPECT_EQ(format(1.0), "1");
  EXPECT_EQ(format(0.005), "0.005");
  EXPECT_EQ(format(2.5), "2.5");
  EXPECT_EQ(format(-3.25), "-3.25");
  EXPECT_EQ(format(0.1), "0.1");
  EXPECT_EQ(format(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format(uint64_t{18446744073709551615u}), "18446744073709551615");
  EXPECT_EQ(std::stod(format(1e300)), 1e300);
}

}  // namespace
}  // namespace sluice::obs
