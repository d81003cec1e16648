#include "rules/rule_store.h"

#include <atomic>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/rules_testutil.h"

namespace sluice::rules {
namespace {

using ::testing::HasSubstr;
using testutil::TempDir;

std::string Rules(int requests) { return testutil::OneRuleFile("d", requests); }

uint32_t CurrentLimit(const RuleStore& store) {
  return testutil::OneRuleLimit(*store.Current(), "d");
}

TEST(RuleStoreTest, StartsEmptyUntilTheFirstReload) {
  TempDir dir;
  RuleStore store(dir.Write("r.yaml", Rules(5)));
  ASSERT_NE(store.Current(), nullptr);
  EXPECT_EQ(store.Current()->domain_count(), 0u);
  EXPECT_EQ(store.reload_successes(), 0u);
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(CurrentLimit(store), 5u);
  EXPECT_EQ(store.reload_successes(), 1u);
  EXPECT_EQ(store.reload_failures(), 0u);
}

TEST(RuleStoreTest, GoodReloadSwapsAndOldSnapshotStaysValidForItsHolder) {
  TempDir dir;
  const std::string file = dir.Write("r.yaml", Rules(5));
  RuleStore store(file);
  ASSERT_TRUE(store.Reload().ok());
  std::shared_ptr<const RuleSet> before = store.Current();
  std::optional<RuleMatch> old_match = before->Match("d", {{"k", "v"}});

  dir.Write("r.yaml", Rules(7));
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(CurrentLimit(store), 7u);
  EXPECT_NE(store.Current(), before);
  EXPECT_EQ(old_match->policy->requests_per_unit, 5u);  // still owned by `before`
  EXPECT_EQ(store.reload_successes(), 2u);
}

TEST(RuleStoreTest, BadReloadKeepsTheOldRulesAndCountsTheFailure) {
  TempDir dir;
  const std::string file = dir.Write("r.yaml", Rules(5));
  RuleStore store(file);
  ASSERT_TRUE(store.Reload().ok());
  std::shared_ptr<const RuleSet> before = store.Current();

  dir.Write("r.yaml", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight}\n");
  absl::Status status = store.Reload();
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(file + ":4: invalid rate limit unit 'fortnight'"));
  EXPECT_EQ(store.Current(), before);
  EXPECT_EQ(CurrentLimit(store), 5u);
  EXPECT_EQ(store.reload_successes(), 1u);
  EXPECT_EQ(store.reload_failures(), 1u);

  dir.Write("r.yaml", Rules(9));
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(CurrentLimit(store), 9u);
  EXPECT_EQ(store.reload_failures(), 1u);
}

TEST(RuleStoreTest, MissingPathFailsAndKeepsTheEmptySet) {
  TempDir dir;
  RuleStore store(dir.Path("missing"));
  EXPECT_FALSE(store.Reload().ok());
  EXPECT_EQ(store.reload_failures(), 1u);
  EXPECT_EQ(store.Current()->domain_count(), 0u);
}

TEST(RuleStoreTest, ReadersRunConcurrentlyWithReloads) {
  TempDir dir;
  const std::string file = dir.Write("r.yaml", Rules(1));
  RuleStore store(file);
  ASSERT_TRUE(store.Reload().ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done.load()) {
      const uint32_t limit = CurrentLimit(store);
      if (limit != 1 && limit != 2) bad.fetch_add(1);
    }
  });
  for (int i = 0; i < 20; ++i) {
    dir.Replace("r.yaml", Rules(1 + i % 2));
    EXPECT_TRUE(store.Reload().ok());
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(store.reload_successes(), 21u);
}

}  // namespace
}  // namespace sluice::rules
