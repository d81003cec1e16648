// Keeps deploy/examples/ratelimit.yaml loadable and its documented behaviour true.
#include <string>

#include "gtest/gtest.h"
#include "rules/replaces.h"
#include "rules/rule_loader.h"

namespace sluice::rules {
namespace {

class ExampleRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const RuleSet>> set =
        LoadRuleSet(std::string(SLUICE_SOURCE_DIR) + "/deploy/examples/ratelimit.yaml");
    ASSERT_TRUE(set.ok()) << set.status();
    set_ = *set;
  }

  std::optional<RuleMatch> Match(std::vector<DescriptorEntry> entries) const {
    return set_->Match("sluice-demo", entries);
  }

  std::shared_ptr<const RuleSet> set_;
};

TEST_F(ExampleRulesTest, GenericKeys) {
  std::optional<RuleMatch> limited = Match({{"generic_key", "limited"}});
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->policy->requests_per_unit, 5u);
  EXPECT_EQ(limited->policy->unit, Unit::kSecond);
  EXPECT_TRUE(Match({{"generic_key", "unlimited"}})->policy->unlimited);
  EXPECT_TRUE(Match({{"generic_key", "experiment"}})->shadow_mode);
  EXPECT_FALSE(Match({{"generic_key", "other"}}).has_value());
}

TEST_F(ExampleRulesTest, WildcardsAndDefault) {
  EXPECT_EQ(Match({{"api_path", "/api/v1/search?q=x"}})->policy->name, "search");
  EXPECT_EQ(Match({{"api_path", "/api/v1/search"}})->policy->algorithm,
            RuleAlgorithm::kTokenBucket);
  EXPECT_EQ(Match({{"api_path", "/api/v2/export/csv"}})->policy->unit, Unit::kHour);
  EXPECT_EQ(Match({{"api_path", "/index.html"}})->policy->requests_per_unit, 100u);
}

TEST_F(ExampleRulesTest, NestedPerUserAndReplaces) {
  EXPECT_EQ(Match({{"plan", "free"}, {"user_id", "u1"}})->policy->name, "free-user");
  EXPECT_EQ(Match({{"plan", "pro"}, {"user_id", "u1"}})->policy->name, "pro-user");
  EXPECT_FALSE(Match({{"plan", "free"}}).has_value());

  const Domain& domain = *set_->FindDomain("sluice-demo");
  std::vector<RuleHit> matches = {
      RuleSet::Find(domain, {{"plan", "pro"}, {"user_id", "batch-robot"}}),
      RuleSet::Find(domain, {{"remote_address", "10.0.0.1"}})};
  ASSERT_NE(matches[1].policy, nullptr);
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(matches)), 1);
  EXPECT_EQ(matches[0].policy->name, "robot");
  EXPECT_EQ(matches[1].policy, nullptr);
}

}  // namespace
}  // namespace sluice::rules
