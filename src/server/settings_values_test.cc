#include "server/settings_values.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

namespace sluice::server {
namespace {

using Values = std::vector<std::string>;

TEST(SettingsValuesTest, ParseBoolTakesGoAndYamlSpellings) {
  for (const char* yes : {"1", "t", "T", "true", "TRUE", "True", "yes", "on"}) {
    ASSERT_TRUE(ParseBool(yes).ok()) << yes;
    EXPECT_TRUE(*ParseBool(yes)) << yes;
  }
  for (const char* no : {"0", "f", "F", "false", "FALSE", "False", "no", "off"}) {
    ASSERT_TRUE(ParseBool(no).ok()) << no;
    EXPECT_FALSE(*ParseBool(no)) << no;
  }
  auto bad = ParseBool("maybe");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'maybe'"), std::string::npos);
  EXPECT_NE(bad.status().message().find("true or false"), std::string::npos);
}

TEST(SettingsValuesTest, ParseGoDuration) {
  EXPECT_EQ(*ParseGoDuration("500us"), absl::Microseconds(500));
  EXPECT_EQ(*ParseGoDuration("500\xC2\xB5s"), absl::Microseconds(500));  // µs
  EXPECT_EQ(*ParseGoDuration("100ms"), absl::Milliseconds(100));
  EXPECT_EQ(*ParseGoDuration("5s"), absl::Seconds(5));
  EXPECT_EQ(*ParseGoDuration("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParseGoDuration("1.5s"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseGoDuration("0"), absl::ZeroDuration());
  for (const char* bad : {"5", "fast", "-1s", "inf", ""}) {
    auto parsed = ParseGoDuration(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("Go duration"), std::string::npos);
  }
}

TEST(SettingsValuesTest, DurationUnitComesFromTheFlagSuffix) {
  EXPECT_EQ(DurationUnitOfFlag("--batch-wait-us"), DurationUnit::kMicroseconds);
  EXPECT_EQ(DurationUnitOfFlag("--gossip-interval-ms"), DurationUnit::kMilliseconds);
  EXPECT_EQ(DurationUnitOfFlag("--delay-sec"), DurationUnit::kSeconds);
  EXPECT_EQ(DurationUnitOfFlag("--delay-seconds"), DurationUnit::kSeconds);
  EXPECT_EQ(DurationUnitOfFlag("--delay-s"), DurationUnit::kSeconds);
  EXPECT_EQ(DurationUnitOfFlag("--batch-wait"), DurationUnit::kText);
}

TEST(SettingsValuesTest, RenderDurationRoundsButNeverToZero) {
  bool rounded = false;
  EXPECT_EQ(RenderDuration(absl::Milliseconds(100), DurationUnit::kMilliseconds, &rounded), "100");
  EXPECT_FALSE(rounded);
  EXPECT_EQ(RenderDuration(absl::Microseconds(500), DurationUnit::kMilliseconds, &rounded), "1");
  EXPECT_TRUE(rounded);
  EXPECT_EQ(RenderDuration(absl::Microseconds(1400), DurationUnit::kMilliseconds), "1");
  EXPECT_EQ(RenderDuration(absl::ZeroDuration(), DurationUnit::kSeconds), "0");
  EXPECT_EQ(RenderDuration(absl::Milliseconds(1), DurationUnit::kMicroseconds), "1000");
  EXPECT_EQ(RenderDuration(absl::Microseconds(500), DurationUnit::kText), "500us");
  EXPECT_EQ(RenderDuration(absl::Seconds(90), DurationUnit::kText), "1m30s");
}

class ConvertValueTest : public ::testing::Test {
 protected:
  ConvertValueTest() {
    addr_ = app_.add_option("--addr", text_)->default_str("127.0.0.1:1051");
    peers_ = app_.add_option("--peers", text_);
    seeds_ = app_.add_option("--seeds", list_);
    wait_us_ = app_.add_option("--batch-wait-us", number_);
    delay_ = app_.add_option("--shutdown-delay", number_);
    wait_text_ = app_.add_option("--batch-wait", text_);
  }

  absl::StatusOr<std::optional<Values>> Convert(ValueKind kind, Values raw, CLI::Option* option,
                                                std::vector<std::string>* warnings = nullptr) {
    return ConvertValue(kind, raw, *option, "--" + option->get_lnames().front(), warnings);
  }

  CLI::App app_{"test"};
  std::string text_;
  std::vector<std::string> list_;
  int number_ = 0;
  CLI::Option* addr_;
  CLI::Option* peers_;
  CLI::Option* seeds_;
  CLI::Option* wait_us_;
  CLI::Option* delay_;
  CLI::Option* wait_text_;
};

TEST_F(ConvertValueTest, ListsAreJoinedOrSplitForTheOption) {
  EXPECT_EQ(**Convert(ValueKind::kPlain, {"a:1", "b:2"}, peers_), (Values{"a:1,b:2"}));
  EXPECT_EQ(**Convert(ValueKind::kPlain, {"a:1,b:2"}, peers_), (Values{"a:1,b:2"}));
  EXPECT_EQ(**Convert(ValueKind::kPlain, {"a:1", "b:2"}, seeds_), (Values{"a:1", "b:2"}));
  EXPECT_EQ(**Convert(ValueKind::kPlain, {"a:1, b:2"}, seeds_), (Values{"a:1", "b:2"}));
}

TEST_F(ConvertValueTest, EmptyMeansNotSet) {
  EXPECT_FALSE(Convert(ValueKind::kPlain, {""}, peers_)->has_value());
  EXPECT_FALSE(Convert(ValueKind::kPlain, {}, peers_)->has_value());
}

TEST_F(ConvertValueTest, Booleans) {
  EXPECT_EQ(**Convert(ValueKind::kBool, {"T"}, peers_), (Values{"true"}));
  EXPECT_EQ(**Convert(ValueKind::kInvertedBool, {"false"}, peers_), (Values{"true"}));
  EXPECT_EQ(**Convert(ValueKind::kDebug, {"1"}, peers_), (Values{"debug"}));
  EXPECT_FALSE(Convert(ValueKind::kDebug, {"false"}, peers_)->has_value());
  EXPECT_FALSE(Convert(ValueKind::kBool, {"perhaps"}, peers_).ok());
  EXPECT_FALSE(Convert(ValueKind::kBool, {"true", "false"}, peers_).ok());
}

TEST_F(ConvertValueTest, DurationsInTheFlagsUnit) {
  EXPECT_EQ(**Convert(ValueKind::kGoDuration, {"500us"}, wait_us_), (Values{"500"}));
  EXPECT_EQ(**Convert(ValueKind::kGoDuration, {"2ms"}, wait_us_), (Values{"2000"}));
  EXPECT_EQ(**Convert(ValueKind::kGoDuration, {"500us"}, wait_text_), (Values{"500us"}));
  EXPECT_EQ(**Convert(ValueKind::kMilliseconds, {"100"}, wait_text_), (Values{"100ms"}));
  // A number without a unit suffix takes the source's unit.
  EXPECT_EQ(**Convert(ValueKind::kSeconds, {"5"}, delay_), (Values{"5"}));
  EXPECT_EQ(**Convert(ValueKind::kGoDuration, {"5s"}, delay_), (Values{"5000"}));
  std::vector<std::string> warnings;
  EXPECT_EQ(**Convert(ValueKind::kGoDuration, {"1500ns"}, wait_us_, &warnings), (Values{"2"}));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("rounded"), std::string::npos);
  auto bad = Convert(ValueKind::kGoDuration, {"fast"}, wait_us_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("500us, 100ms, 5s"), std::string::npos);
  EXPECT_FALSE(Convert(ValueKind::kSeconds, {"5s"}, delay_).ok());
}

TEST_F(ConvertValueTest, PortsAndListenAddresses) {
  EXPECT_EQ(**Convert(ValueKind::kPort, {"9000"}, addr_), (Values{"127.0.0.1:9000"}));
  auto bad = Convert(ValueKind::kPort, {"99999"}, addr_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("0-65535"), std::string::npos);
  EXPECT_EQ(**Convert(ValueKind::kListenAddress, {":1051"}, addr_), (Values{"0.0.0.0:1051"}));
  EXPECT_EQ(**Convert(ValueKind::kListenAddress, {"localhost:1051"}, addr_),
            (Values{"localhost:1051"}));
}

TEST_F(ConvertValueTest, GubernatorNames) {
  EXPECT_EQ(**Convert(ValueKind::kLogLevel, {"WARNING"}, peers_), (Values{"warn"}));
  EXPECT_EQ(**Convert(ValueKind::kLogLevel, {"panic"}, peers_), (Values{"error"}));
  EXPECT_EQ(**Convert(ValueKind::kLogLevel, {"Debug"}, peers_), (Values{"debug"}));
  EXPECT_EQ(**Convert(ValueKind::kDiscovery, {"none"}, peers_), (Values{"static"}));
  EXPECT_EQ(**Convert(ValueKind::kDiscovery, {"member-list"}, peers_), (Values{"mesh"}));
  EXPECT_EQ(**Convert(ValueKind::kDiscovery, {"dns"}, peers_), (Values{"dns"}));
  std::vector<std::string> warnings;
  EXPECT_EQ(**Convert(ValueKind::kDiscovery, {"k8s"}, peers_, &warnings), (Values{"k8s"}));
  EXPECT_TRUE(warnings.empty());
  auto bad = Convert(ValueKind::kDiscovery, {"zookeeper"}, peers_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("member-list, k8s, etcd, dns, none"), std::string::npos);
}

}  // namespace
}  // namespace sluice::server
