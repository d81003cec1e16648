#include "rules/wildcard.h"

#include "gtest/gtest.h"

namespace sluice::rules {
namespace {

TEST(WildcardPatternTest, SplitsIntoLiteralPieces) {
  EXPECT_EQ(WildcardPattern("a*b*c").pieces(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(WildcardPattern("*").pieces(), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(WildcardPattern("abc").pieces(), (std::vector<std::string>{"abc"}));
  EXPECT_TRUE(WildcardPattern::HasWildcard("a*"));
  EXPECT_FALSE(WildcardPattern::HasWildcard("abc"));
}

TEST(WildcardPatternTest, LiteralMatchesOnlyItself) {
  WildcardPattern p("abc");
  EXPECT_TRUE(p.Matches("abc"));
  EXPECT_FALSE(p.Matches("abcd"));
  EXPECT_FALSE(p.Matches(""));
}

TEST(WildcardPatternTest, TrailingStarIsAPrefixMatch) {
  WildcardPattern p("/api/*");
  EXPECT_TRUE(p.Matches("/api/"));  // `*` may match nothing
  EXPECT_TRUE(p.Matches("/api/v1/users"));
  EXPECT_FALSE(p.Matches("/ap"));
  EXPECT_FALSE(p.Matches("/apx/"));
}

TEST(WildcardPatternTest, LeadingStarIsASuffixMatch) {
  WildcardPattern p("*.example.com");
  EXPECT_TRUE(p.Matches("www.example.com"));
  EXPECT_TRUE(p.Matches(".example.com"));
  EXPECT_FALSE(p.Matches("example.com"));
}

TEST(WildcardPatternTest, MiddleStar) {
  WildcardPattern p("/users/*/orders");
  EXPECT_TRUE(p.Matches("/users/42/orders"));
  EXPECT_TRUE(p.Matches("/users//orders"));
  EXPECT_FALSE(p.Matches("/users/42/orders/7"));
  EXPECT_FALSE(p.Matches("/users/42"));
}

TEST(WildcardPatternTest, SeveralStars) {
  WildcardPattern p("a*b*c");
  EXPECT_TRUE(p.Matches("abc"));
  EXPECT_TRUE(p.Matches("aXbYc"));
  EXPECT_TRUE(p.Matches("abbbc"));
  EXPECT_TRUE(p.Matches("acbc"));  // leftmost "b" after the prefix, then suffix "c"
  EXPECT_FALSE(p.Matches("ac"));
  EXPECT_FALSE(p.Matches("abca"));
  WildcardPattern q("*x*y*");
  EXPECT_TRUE(q.Matches("xy"));
  EXPECT_TRUE(q.Matches("..x..y.."));
  EXPECT_FALSE(q.Matches("yx"));
}

TEST(WildcardPatternTest, PrefixAndSuffixMayNotOverlap) {
  WildcardPattern p("ab*ba");
  EXPECT_FALSE(p.Matches("aba"));
  EXPECT_TRUE(p.Matches("abba"));
}

TEST(WildcardPatternTest, LoneStarMatchesEverything) {
  WildcardPattern p("*");
  EXPECT_TRUE(p.Matches(""));
  EXPECT_TRUE(p.Matches("anything"));
  WildcardPattern pp("**");
  EXPECT_TRUE(pp.Matches(""));
}

}  // namespace
}  // namespace sluice::rules
