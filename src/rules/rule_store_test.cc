#include "rules/rule_store.h"

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/rule_parser.h"
#include "testing/exposition.h"
#include "testing/rules_test_util.h"

namespace sluice::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testutil::TempDir;

std::string Rules(int requests) { return testutil::OneRuleFile("d", requests); }

uint32_t CurrentLimit(const RuleStore& store) {
  return testutil::OneRuleLimit(*store.Current(), "d");
}

uint32_t PinnedLimit(const RuleStore& store) { return testutil::OneRuleLimit(store.Pinned(), "d"); }

std::shared_ptr<const RuleSet> Parsed(int requests) {
  auto domain = ParseRules("r.yaml", Rules(requests));
  EXPECT_TRUE(domain.ok()) << domain.status();
  std::vector<Domain> domains;
  domains.push_back(*std::move(domain));
  return *RuleSet::Create(std::move(domains));
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

// The server passes its registry: each load is counted once, in what /metrics exports.
TEST(RuleStoreTest, CountsEveryLoadOnTheGivenRegistry) {
  TempDir dir;
  obs::Registry registry;
  int observed = 0;
  RuleStore store(dir.Write("r.yaml", Rules(5)), [&](const absl::Status&) { ++observed; },
                  &registry);
  ASSERT_TRUE(store.Reload().ok());
  dir.Write("r.yaml", "not: [valid");
  ASSERT_FALSE(store.Reload().ok());
  store.Replace(Parsed(7));  // counted as a successful load
  const obs::Exposition e = obs::ParseExposition(registry.Render());
  EXPECT_EQ(e.types.at("sluice_rules_reloads_total"), "counter");
  EXPECT_EQ(e.Get("sluice_rules_reloads_total{result=\"success\"}"), 2);
  EXPECT_EQ(e.Get("sluice_rules_reloads_total{result=\"failure\"}"), 1);
  EXPECT_EQ(store.reload_successes(), 2u);
  EXPECT_EQ(store.reload_failures(), 1u);
  EXPECT_EQ(observed, 3);
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

TEST(RuleStoreTest, TheObserverHearsEveryLoadWithItsOutcome) {
  TempDir dir;
  const std::string file = dir.Write("r.yaml", Rules(5));
  std::vector<bool> heard;
  RuleStore store(file, [&heard](const absl::Status& result) { heard.push_back(result.ok()); });
  ASSERT_TRUE(store.Reload().ok());
  dir.Write("r.yaml", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight}\n");
  ASSERT_FALSE(store.Reload().ok());
  store.Replace(RuleSet::Empty());
  EXPECT_THAT(heard, ElementsAre(true, false, true));
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

TEST(RuleStoreTest, PinnedFollowsEveryReloadOnTheSameThread) {
  TempDir dir;
  const std::string file = dir.Write("r.yaml", Rules(5));
  RuleStore store(file);
  EXPECT_EQ(store.Pinned().domain_count(), 0u);
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(PinnedLimit(store), 5u);
  dir.Replace("r.yaml", Rules(6));
  ASSERT_TRUE(store.Reload().ok());
  EXPECT_EQ(PinnedLimit(store), 6u);
  dir.Replace("r.yaml", "domain: [");
  EXPECT_FALSE(store.Reload().ok());
  EXPECT_EQ(PinnedLimit(store), 6u);  // a bad reload keeps the pinned rules too
}

TEST(RuleStoreTest, APinnedSnapshotOutlivesTheReloadThatReplacedIt) {
  RuleStore store("");
  store.Replace(Parsed(5));
  const RuleSet& pinned = store.Pinned();
  store.Replace(Parsed(9));  // the store drops its reference; this thread's pin keeps one
  EXPECT_EQ(testutil::OneRuleLimit(pinned, "d"), 5u);
  EXPECT_EQ(PinnedLimit(store), 9u);
  EXPECT_EQ(CurrentLimit(store), 9u);
  EXPECT_EQ(store.reload_successes(), 2u);
}

TEST(RuleStoreTest, TwoStoresOnOneThreadNeverShareAPin) {
  RuleStore a("");
  RuleStore b("");
  a.Replace(Parsed(1));
  b.Replace(Parsed(2));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(PinnedLimit(a), 1u);
    EXPECT_EQ(PinnedLimit(b), 2u);
  }
  // A store built where a destroyed one was starts with its own generation.
  std::optional<RuleStore> c;
  c.emplace("");
  c->Replace(Parsed(3));
  EXPECT_EQ(PinnedLimit(*c), 3u);
  c.reset();
  c.emplace("");
  EXPECT_EQ(c->Pinned().domain_count(), 0u);
}

TEST(RuleStoreTest, PinnedReadersOnOtherThreadsSeeEveryReplace) {
  RuleStore store("");
  store.Replace(Parsed(1));
  std::atomic<int> last_written{1};
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done.load()) {
      const int floor = last_written.load();  // read before: the pin may not be older than it
      const uint32_t limit = PinnedLimit(store);
      if (limit < static_cast<uint32_t>(floor) || limit > 50) bad.fetch_add(1);
    }
  });
  for (int i = 2; i <= 50; ++i) {
    store.Replace(Parsed(i));
    last_written.store(i);
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace sluice::rules
