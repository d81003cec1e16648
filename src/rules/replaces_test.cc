#include "rules/replaces.h"

#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "rules/rule_parser.h"

namespace sluice::rules {
namespace {

// README example: a per-path limit replaces the general api limit when both match.
class ApplyReplacesTest : public ::testing::Test {
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
    rate_limit:
      unit: minute
      requests_per_unit: 2
      name: login
      replaces: [{name: api}]
  - key: path
    value: /upload
    rate_limit:
      unit: minute
      requests_per_unit: 1
      name: upload
      replaces: [{name: api}, {name: login}]
  - key: unnamed
    rate_limit: {unit: minute, requests_per_unit: 3}
  - key: internal
    rate_limit: {unlimited: true, name: api-free, replaces: [{name: api}]}
  - key: office
    rate_limit: {unlimited: true, name: api}
)"));
    set_ = *RuleSet::Create(std::move(domains));
  }

  RuleHit M(std::string_view key, std::string_view value) const {
    return RuleSet::Find(*set_->FindDomain("d"), {{key, value}});
  }

  std::shared_ptr<const RuleSet> set_;
};

TEST_F(ApplyReplacesTest, ReplacedLimitIsDropped) {
  std::vector<RuleHit> matches = {M("api", "x"), M("path", "/login")};
  ASSERT_TRUE(matches[0].policy != nullptr && matches[1].policy != nullptr);
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(matches)), 1);
  EXPECT_EQ(matches[0].policy, nullptr);
  ASSERT_NE(matches[1].policy, nullptr);
  EXPECT_EQ(matches[1].policy->name, "login");
}

// As in the reference: an unlimited rule's `replaces` count, but it is never replaced itself.
TEST_F(ApplyReplacesTest, UnlimitedReplacesOthersButIsNeverReplaced) {
  std::vector<RuleHit> matches = {M("api", "x"), M("internal", "i")};
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(matches)), 1);
  EXPECT_EQ(matches[0].policy, nullptr);
  std::vector<RuleHit> unlimited = {M("office", "o"), M("path", "/login")};
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(unlimited)), 0);
  ASSERT_NE(unlimited[0].policy, nullptr);
  EXPECT_TRUE(unlimited[0].policy->unlimited);
}

TEST_F(ApplyReplacesTest, NothingDroppedWithoutTheReplacer) {
  std::vector<RuleHit> matches = {M("api", "x"), M("unnamed", "y"), M("nothing", "z")};
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(matches)), 0);
  EXPECT_NE(matches[0].policy, nullptr);
  EXPECT_NE(matches[1].policy, nullptr);
  EXPECT_EQ(matches[2].policy, nullptr);
}

TEST_F(ApplyReplacesTest, UnionOfReplacesIndependentOfOrder) {
  // upload replaces both api and login; login's own `replaces` still counts although it is dropped.
  std::vector<RuleHit> matches = {M("path", "/upload"), M("path", "/login"), M("api", "x"),
                                  M("unnamed", "y")};
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(matches)), 2);
  EXPECT_NE(matches[0].policy, nullptr);
  EXPECT_EQ(matches[1].policy, nullptr);
  EXPECT_EQ(matches[2].policy, nullptr);
  EXPECT_NE(matches[3].policy, nullptr);
}

TEST_F(ApplyReplacesTest, OverRuleHitsAsTheRequestPathUsesThem) {
  const RuleHit api{M("api", "x").policy, false};
  const RuleHit login{M("path", "/login").policy, false};
  const RuleHit upload{M("path", "/upload").policy, true};
  std::vector<RuleHit> hits = {upload, RuleHit{}, login, api};
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(hits)), 2);
  EXPECT_EQ(hits[0].policy, upload.policy);
  EXPECT_TRUE(hits[0].shadow_mode);
  EXPECT_EQ(hits[1].policy, nullptr);
  EXPECT_EQ(hits[2].policy, nullptr);
  EXPECT_EQ(hits[3].policy, nullptr);
}

TEST_F(ApplyReplacesTest, EmptyInput) {
  std::vector<RuleHit> none;
  EXPECT_EQ(ApplyReplaces(absl::MakeSpan(none)), 0);
}

}  // namespace
}  // namespace sluice::rules
