#include "rules/resolve_limits.h"

#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "rules/counter_key.h"
#include "rules/rule_parser.h"

namespace sluice::rules {
namespace {

class ResolveLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Domain> domains;
    domains.push_back(*ParseRules("r.yaml", R"(
domain: d
descriptors:
  - key: api
    rate_limit: {unit: minute, requests_per_unit: 10, name: api}
  - key: path
    value: /login
    shadow_mode: true
    rate_limit: {unit: second, requests_per_unit: 2, name: login, replaces: [{name: api}],
                 algorithm: token_bucket}
  - key: internal
    rate_limit: {unlimited: true}
  - key: slow
    rate_limit: {unit: minute, unit_multiplier: 5, requests_per_unit: 3}
  - key: both
    rate_limits:
      - {unit: second, requests_per_unit: 10, name: per-second}
      - {unit: hour, requests_per_unit: 1000, name: per-hour, algorithm: sliding_window}
  - key: tenant
    descriptors:
      - key: user
        rate_limit: {unit: hour, requests_per_unit: 7}
)"));
    rules_ = *RuleSet::Create(std::move(domains));
  }

  Resolution Resolve(const std::vector<DescriptorRequest>& descriptors, uint64_t addend = 0,
                     std::string_view domain = "d") {
    Resolution out;
    EXPECT_TRUE(ResolveLimits(*rules_, domain, descriptors, addend, out).ok());
    return out;
  }

  std::shared_ptr<const RuleSet> rules_;
};

TEST_F(ResolveLimitsTest, RuleLimitCarriesItsKeyHitsAndAlgorithm) {
  const std::vector<DescriptorEntry> api = {{"api", "x"}};
  Resolution r = Resolve({{.entries = api}});
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0], DescriptorOutcome::kCounted);
  ASSERT_EQ(r.limits.size(), 1u);
  const ResolvedLimit& l = r.limits[0];
  EXPECT_EQ(l.descriptor, 0);
  EXPECT_EQ(l.name, "api");
  EXPECT_FALSE(l.is_override);
  EXPECT_EQ(l.requests_per_unit, 10u);
  EXPECT_EQ(l.unit, Unit::kMinute);
  EXPECT_EQ(l.WindowSeconds(), 60);
  EXPECT_EQ(l.algorithm, RuleAlgorithm::kFixedWindow);
  EXPECT_EQ(l.hits, 1u);  // max(1, 0)
  EXPECT_EQ(l.counter_key, CounterKey("d", api, Unit::kMinute));
}

TEST_F(ResolveLimitsTest, UnitMultiplierLengthensTheWindowAndNamesTheCounter) {
  const std::vector<DescriptorEntry> slow = {{"slow", "x"}};
  Resolution r = Resolve({{.entries = slow}});
  ASSERT_EQ(r.limits.size(), 1u);
  EXPECT_EQ(r.limits[0].unit, Unit::kMinute);
  EXPECT_EQ(r.limits[0].unit_multiplier, 5u);
  EXPECT_EQ(r.limits[0].WindowSeconds(), 300);
  EXPECT_EQ(r.limits[0].counter_key, "d_slow_x_5minute");
}

TEST_F(ResolveLimitsTest, RateLimitsGiveOneLimitEachInConfigOrder) {
  const std::vector<DescriptorEntry> api = {{"api", "x"}};
  const std::vector<DescriptorEntry> both = {{"both", "x"}};
  Resolution r = Resolve({{.entries = api}, {.entries = both, .hits_addend = 3}});
  ASSERT_EQ(r.limits.size(), 3u);
  EXPECT_FALSE(r.limits[0].one_of_several);
  for (size_t k : {1, 2}) {
    EXPECT_EQ(r.limits[k].descriptor, 1);
    EXPECT_TRUE(r.limits[k].one_of_several);
    EXPECT_EQ(r.limits[k].hits, 3u);
  }
  EXPECT_EQ(r.limits[1].name, "per-second");
  EXPECT_EQ(r.limits[1].counter_key, "d_both_x_second");
  EXPECT_EQ(r.limits[2].name, "per-hour");
  EXPECT_EQ(r.limits[2].algorithm, RuleAlgorithm::kSlidingWindow);
  EXPECT_EQ(r.limits[2].counter_key, "d_both_x_hour");
}

TEST(ReportedLimitTest, FirstOverElseFewestRemaining) {
  const bool none_over[] = {false, false, false};
  const int64_t ties[] = {5, 2, 2};
  EXPECT_EQ(ReportedLimit(none_over, ties), 1u);
  const bool two_over[] = {false, true, true};
  const int64_t any[] = {0, 9, 0};
  EXPECT_EQ(ReportedLimit(two_over, any), 1u);
  const bool one[] = {false};
  const int64_t seven[] = {7};
  EXPECT_EQ(ReportedLimit(one, seven), 0u);
}

TEST_F(ResolveLimitsTest, UnmatchedUnlimitedAndDepthMismatch) {
  const std::vector<DescriptorEntry> none = {{"other", "x"}};
  const std::vector<DescriptorEntry> internal = {{"internal", "x"}};
  const std::vector<DescriptorEntry> shallow = {{"tenant", "t"}};
  const std::vector<DescriptorEntry> nested = {{"tenant", "t"}, {"user", "u"}};
  Resolution r = Resolve({{.entries = none}, {.entries = internal}, {.entries = shallow},
                          {.entries = nested}});
  EXPECT_EQ(r.outcomes[0], DescriptorOutcome::kUnmatched);
  EXPECT_EQ(r.outcomes[1], DescriptorOutcome::kUnlimited);
  EXPECT_EQ(r.outcomes[2], DescriptorOutcome::kUnmatched);
  EXPECT_EQ(r.outcomes[3], DescriptorOutcome::kCounted);
  ASSERT_EQ(r.limits.size(), 1u);
  EXPECT_EQ(r.limits[0].descriptor, 3);
  EXPECT_EQ(r.limits[0].unit, Unit::kHour);
}

TEST_F(ResolveLimitsTest, HitsAddendFromDescriptorElseRequestAtLeastOne) {
  const std::vector<DescriptorEntry> api = {{"api", "x"}};
  Resolution r = Resolve({{.entries = api}, {.entries = api, .hits_addend = 0},
                          {.entries = api, .hits_addend = 9}},
                         /*addend=*/4);
  ASSERT_EQ(r.limits.size(), 3u);
  EXPECT_EQ(r.limits[0].hits, 4u);
  EXPECT_EQ(r.limits[1].hits, 0u);
  EXPECT_EQ(r.limits[2].hits, 9u);
}

TEST_F(ResolveLimitsTest, ReplacesAndShadowModeAcrossTheRequest) {
  const std::vector<DescriptorEntry> api = {{"api", "x"}};
  const std::vector<DescriptorEntry> login = {{"path", "/login"}};
  Resolution r = Resolve({{.entries = api}, {.entries = login}});
  EXPECT_EQ(r.outcomes[0], DescriptorOutcome::kUnmatched);  // replaced by login
  ASSERT_EQ(r.limits.size(), 1u);
  EXPECT_EQ(r.limits[0].name, "login");
  EXPECT_TRUE(r.limits[0].shadow_mode);
  EXPECT_EQ(r.limits[0].algorithm, RuleAlgorithm::kTokenBucket);
}

TEST_F(ResolveLimitsTest, OverrideWinsOverRulesAndCountsPerUnit) {
  const std::vector<DescriptorEntry> api = {{"api", "x"}};
  Resolution r = Resolve({{.entries = api, .limit_override = LimitOverride{3, Unit::kHour}}});
  ASSERT_EQ(r.limits.size(), 1u);
  EXPECT_TRUE(r.limits[0].is_override);
  EXPECT_TRUE(r.limits[0].name.empty());
  EXPECT_EQ(r.limits[0].requests_per_unit, 3u);
  EXPECT_EQ(r.limits[0].counter_key, CounterKey("d", api, Unit::kHour));
  EXPECT_EQ(r.limits[0].store_hash, 0u);

  // An override applies in a domain without rules too.
  Resolution unknown = Resolve(
      {{.entries = api, .limit_override = LimitOverride{3, Unit::kHour}}, {.entries = api}}, 0,
      "nope");
  EXPECT_EQ(unknown.outcomes[0], DescriptorOutcome::kCounted);
  EXPECT_EQ(unknown.outcomes[1], DescriptorOutcome::kUnmatched);
}

TEST_F(ResolveLimitsTest, MalformedDescriptorsNameThemselvesAndResolveNothing) {
  const std::vector<DescriptorEntry> api = {{"api", "x"}};
  const std::vector<DescriptorEntry> empty_key = {{"api", "x"}, {"", "y"}};
  Resolution out;
  absl::Status s = ResolveLimits(*rules_, "d",
                                 std::vector<DescriptorRequest>{{.entries = api}, {}}, 0, out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "descriptor 1 has no entries");
  EXPECT_TRUE(out.limits.empty());
  s = ResolveLimits(*rules_, "d", std::vector<DescriptorRequest>{{.entries = empty_key}}, 0, out);
  EXPECT_EQ(s.message(), "descriptor 0 entry 1 has an empty key");
}

}  // namespace
}  // namespace sluice::rules
