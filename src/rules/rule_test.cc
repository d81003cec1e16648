#include "rules/rule.h"

#include <memory>

#include "gtest/gtest.h"

namespace sluice::rules {
namespace {

TEST(UnitTest, SecondsMatchTheReferenceDividers) {
  EXPECT_EQ(UnitSeconds(Unit::kSecond), 1);
  EXPECT_EQ(UnitSeconds(Unit::kMinute), 60);
  EXPECT_EQ(UnitSeconds(Unit::kHour), 3600);
  EXPECT_EQ(UnitSeconds(Unit::kDay), 86400);
  EXPECT_EQ(UnitSeconds(Unit::kWeek), 604800);
  EXPECT_EQ(UnitSeconds(Unit::kMonth), 2592000);
  EXPECT_EQ(UnitSeconds(Unit::kYear), 31536000);
}

TEST(UnitTest, ParseIsCaseInsensitiveAndRoundTrips) {
  for (Unit unit : {Unit::kSecond, Unit::kMinute, Unit::kHour, Unit::kDay, Unit::kWeek,
                    Unit::kMonth, Unit::kYear}) {
    EXPECT_EQ(ParseUnit(UnitName(unit)), unit) << UnitName(unit);
  }
  EXPECT_EQ(ParseUnit("SECOND"), Unit::kSecond);
  EXPECT_EQ(ParseUnit("Minute"), Unit::kMinute);
  EXPECT_EQ(ParseUnit("wEeK"), Unit::kWeek);
  EXPECT_EQ(ParseUnit("MONTH"), Unit::kMonth);
  EXPECT_EQ(ParseUnit("year"), Unit::kYear);
  EXPECT_EQ(UnitName(Unit::kHour), "hour");
}

TEST(UnitTest, ParseRejectsUnknownNames) {
  EXPECT_FALSE(ParseUnit("").has_value());
  EXPECT_FALSE(ParseUnit("unknown").has_value());
  EXPECT_FALSE(ParseUnit("seconds").has_value());
  EXPECT_FALSE(ParseUnit("fortnight").has_value());
}

TEST(RuleAlgorithmTest, ParseAndName) {
  EXPECT_EQ(ParseRuleAlgorithm("fixed_window"), RuleAlgorithm::kFixedWindow);
  EXPECT_EQ(ParseRuleAlgorithm("token_bucket"), RuleAlgorithm::kTokenBucket);
  EXPECT_EQ(ParseRuleAlgorithm("LEAKY_BUCKET"), RuleAlgorithm::kLeakyBucket);
  EXPECT_EQ(ParseRuleAlgorithm("Sliding_Window"), RuleAlgorithm::kSlidingWindow);
  EXPECT_EQ(RuleAlgorithmName(RuleAlgorithm::kSlidingWindow), "sliding_window");
  EXPECT_FALSE(ParseRuleAlgorithm("rolling_window").has_value());
  EXPECT_EQ(RuleAlgorithmName(RuleAlgorithm::kTokenBucket), "token_bucket");
  EXPECT_EQ(RateLimitPolicy().algorithm, RuleAlgorithm::kFixedWindow);
}

std::unique_ptr<DescriptorNode> Node(std::string key, std::string value) {
  auto node = std::make_unique<DescriptorNode>();
  node->key = std::move(key);
  node->value = std::move(value);
  node->path = node->key + "_" + node->value;
  return node;
}

TEST(DescriptorChildrenTest, ExactThenWildcardInConfigOrderThenDefault) {
  DescriptorChildren children;
  children.Add(Node("path", "/api/*"));
  children.Add(Node("path", "/api/v1/*"));
  children.Add(Node("path", "/api/v1/users"));
  children.Add(Node("path", ""));
  EXPECT_EQ(children.size(), 4u);

  DescriptorChildren::MatchKind kind;
  const DescriptorNode* node = children.FindForEntry("path", "/api/v1/users", &kind);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->value, "/api/v1/users");
  EXPECT_EQ(kind, DescriptorChildren::MatchKind::kExact);

  // Both patterns match; the first in config order wins.
  node = children.FindForEntry("path", "/api/v1/orders", &kind);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->value, "/api/*");
  EXPECT_EQ(kind, DescriptorChildren::MatchKind::kWildcard);

  node = children.FindForEntry("path", "/health", &kind);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->value, "");
  EXPECT_EQ(kind, DescriptorChildren::MatchKind::kDefault);

  EXPECT_EQ(children.FindForEntry("other", "/api/v1/users"), nullptr);
}

TEST(DescriptorChildrenTest, EmptyRuntimeValueSkipsExactButMayMatchWildcard) {
  DescriptorChildren children;
  children.Add(Node("k", ""));
  children.Add(Node("k", "*"));
  DescriptorChildren::MatchKind kind;
  const DescriptorNode* node = children.FindForEntry("k", "", &kind);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->value, "*");
  EXPECT_EQ(kind, DescriptorChildren::MatchKind::kWildcard);
}

TEST(DescriptorChildrenTest, WildcardRequiresTheSameKey) {
  DescriptorChildren children;
  children.Add(Node("a", "b_*"));
  // The reference compares composites ("a_b_*" vs "a_b_x"); Sluice requires the key to be equal.
  EXPECT_EQ(children.FindForEntry("a_b", "x"), nullptr);
  EXPECT_NE(children.FindForEntry("a", "b_x"), nullptr);
}

}  // namespace
}  // namespace sluice::rules
