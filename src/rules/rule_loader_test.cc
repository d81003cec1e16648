#include "rules/rule_loader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/rules_test_util.h"

namespace sluice::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testutil::TempDir;

std::string Rules(const std::string& domain, int requests = 1) {
  return testutil::OneRuleFile(domain, requests);
}

TEST(RuleLoaderTest, LoadsOneFileWhateverItsName) {
  TempDir dir;
  const std::string file = dir.Write("rules.conf", Rules("one", 3));
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(file);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->DomainNames(), std::vector<std::string>{"one"});
  EXPECT_EQ((*set)->Match("one", {{"k", "v"}})->policy->requests_per_unit, 3u);
}

TEST(RuleLoaderTest, LoadsADirectoryOfYamlFiles) {
  TempDir dir;
  dir.Write("a.yaml", Rules("alpha"));
  dir.Write("b.yml", Rules("beta"));
  dir.Write("notes.txt", "not yaml: [");
  dir.Write(".hidden.yaml", "broken: [");
  dir.Write("sub/c.yaml", Rules("gamma"));  // subdirectories are not descended into
  absl::StatusOr<std::vector<std::string>> files = ListRuleFiles(dir.path());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(*files, ElementsAre(dir.Path("a.yaml"), dir.Path("b.yml")));
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.path());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->DomainNames(), (std::vector<std::string>{"alpha", "beta"}));
}

TEST(RuleLoaderTest, EmptyDirectoryIsAnEmptySet) {
  TempDir dir;
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.path());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->domain_count(), 0u);
}

TEST(RuleLoaderTest, ConfigMapLayoutReadsTheLinksAndSkipsDotEntries) {
  TempDir dir;
  dir.Write("..2026_01_01/api.yaml", Rules("api", 5));
  dir.Write("..2026_01_01/web.yaml", Rules("web", 6));
  dir.Symlink("..2026_01_01", "..data");
  dir.Symlink("..data/api.yaml", "api.yaml");
  dir.Symlink("..data/web.yaml", "web.yaml");
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.path());
  ASSERT_TRUE(set.ok()) << set.status();  // no duplicate domain through ..data
  EXPECT_EQ((*set)->DomainNames(), (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ((*set)->Match("web", {{"k", "v"}})->policy->requests_per_unit, 6u);
}

TEST(RuleLoaderTest, FollowsASymlinkedTopLevelPath) {
  TempDir dir;
  dir.Write("real/a.yaml", Rules("a"));
  dir.Symlink(dir.Path("real"), "current");
  dir.Symlink(dir.Path("real/a.yaml"), "single.yaml");
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.Path("current"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE((*set)->HasDomain("a"));
  set = LoadRuleSet(dir.Path("single.yaml"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE((*set)->HasDomain("a"));
}

TEST(RuleLoaderTest, DanglingLinksAreSkipped) {
  TempDir dir;
  dir.Write("a.yaml", Rules("a"));
  dir.Symlink("..data/gone.yaml", "gone.yaml");
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.path());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->domain_count(), 1u);
}

TEST(RuleLoaderTest, OneBadFileRejectsTheWholeLoadWithFileAndLine) {
  TempDir dir;
  dir.Write("a.yaml", Rules("a"));
  const std::string bad =
      dir.Write("b.yaml", "domain: b\ndescriptors:\n  - key: k\n    vaule: 1\n");
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.path());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(set.status().message(), bad + ":4: unknown key 'vaule' in a descriptor");
}

TEST(RuleLoaderTest, DuplicateDomainAcrossFilesNamesBoth) {
  TempDir dir;
  const std::string first = dir.Write("a.yaml", Rules("same"));
  const std::string second = dir.Write("b.yaml", "\n" + Rules("same"));
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.path());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(),
            second + ":2: duplicate domain 'same' (already defined at " + first + ":1)");
}

TEST(RuleLoaderTest, MissingPathIsNotFound) {
  TempDir dir;
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = LoadRuleSet(dir.Path("nope"));
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(set.status().message()), StartsWith(dir.Path("nope") + ": "));
}

TEST(RuleLoaderTest, LoadRuleFileReportsSyntaxErrorsWithLine) {
  TempDir dir;
  const std::string file = dir.Write("x.yaml", "domain: x\ndescriptors: [\n");
  absl::StatusOr<Domain> domain = LoadRuleFile(file);
  ASSERT_FALSE(domain.ok());
  EXPECT_THAT(std::string(domain.status().message()), StartsWith(file + ":"));
  EXPECT_THAT(std::string(domain.status().message()), HasSubstr("YAML syntax error"));
}

TEST(RuleLoaderTest, CheckRuleFilesNamesEveryBadFileAndTheConflicts) {
  TempDir dir;
  dir.Write("a.yaml", Rules("alpha"));
  dir.Write("b.yaml", "domain: beta\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight}\n");
  dir.Write("c.yaml", "domain: gamma\ndescriptors: [\n");
  dir.Write("d.yaml", Rules("alpha"));
  size_t files = 0;
  std::vector<absl::Status> errors = CheckRuleFiles(dir.path(), &files);
  EXPECT_EQ(files, 4u);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(std::string(errors[0].message()), StartsWith(dir.Path("b.yaml") + ":4: "));
  EXPECT_THAT(std::string(errors[1].message()), StartsWith(dir.Path("c.yaml") + ":"));
  EXPECT_THAT(std::string(errors[2].message()), HasSubstr("duplicate domain 'alpha'"));
  EXPECT_TRUE(CheckRuleFiles(dir.Path("a.yaml")).empty());
  EXPECT_EQ(CheckRuleFiles(dir.Path("missing.yaml"))[0].code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace sluice::rules
