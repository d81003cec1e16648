#include "rules/rule_watcher.h"

#include <string>

#include "gtest/gtest.h"
#include "testing/rules_test_util.h"

namespace sluice::rules {
namespace {

using testutil::TempDir;
using testutil::WaitFor;

std::string Rules(const std::string& domain, int requests) {
  return testutil::OneRuleFile(domain, requests);
}

uint32_t LimitOf(const RuleStore& store, const std::string& domain) {
  return testutil::OneRuleLimit(*store.Current(), domain);
}

// A Kubernetes ConfigMap mount in `cm/`: `..2026_01/x.yaml`, `..data -> ..2026_01`,
// `x.yaml -> ..data/x.yaml`, with domain x limited to `requests`.
void MakeConfigMap(const TempDir& dir, int requests) {
  dir.Write("cm/..2026_01/x.yaml", Rules("x", requests));
  dir.Symlink("..2026_01", "cm/..data");
  dir.Symlink("..data/x.yaml", "cm/x.yaml");
}

RuleWatcher::Options Fast() {
  RuleWatcher::Options options;
  options.debounce = std::chrono::milliseconds(20);
  return options;
}

std::unique_ptr<RuleWatcher> MustStart(RuleStore* store) {
  absl::StatusOr<std::unique_ptr<RuleWatcher>> watcher = RuleWatcher::Start(store, Fast());
  EXPECT_TRUE(watcher.ok()) << watcher.status();
  return watcher.ok() ? *std::move(watcher) : nullptr;
}

TEST(RuleWatcherTest, InPlaceEditOfAFileIsReloaded) {
  TempDir dir;
  RuleStore store(dir.Write("r.yaml", Rules("d", 1)));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(store.Reload().ok());

  dir.Write("r.yaml", Rules("d", 2));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "d") == 2; }));
  EXPECT_GE(watcher->triggered_reloads(), 1u);
}

TEST(RuleWatcherTest, FileReplacedByRenameIsReloaded) {
  TempDir dir;
  RuleStore store(dir.Write("r.yaml", Rules("d", 1)));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(store.Reload().ok());

  dir.Replace("r.yaml", Rules("d", 2));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "d") == 2; }));
  // And again: the watch must follow the new inode.
  dir.Replace("r.yaml", Rules("d", 3));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "d") == 3; }));
}

TEST(RuleWatcherTest, NewFileInADirectoryIsReloaded) {
  TempDir dir;
  dir.Write("rules/a.yaml", Rules("a", 1));
  RuleStore store(dir.Path("rules"));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(store.Reload().ok());

  dir.Write("rules/b.yaml", Rules("b", 4));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "b") == 4; }));
  EXPECT_EQ(LimitOf(store, "a"), 1u);
}

TEST(RuleWatcherTest, BadEditKeepsOldRulesThenFixIsPickedUp) {
  TempDir dir;
  RuleStore store(dir.Write("r.yaml", Rules("d", 1)));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(store.Reload().ok());

  dir.Replace("r.yaml", "domain: d\nbogus: true\n");
  EXPECT_TRUE(WaitFor([&] { return store.reload_failures() == 1; }));
  EXPECT_EQ(LimitOf(store, "d"), 1u);

  dir.Replace("r.yaml", Rules("d", 5));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "d") == 5; }));
  EXPECT_EQ(store.reload_failures(), 1u);
}

TEST(RuleWatcherTest, ConfigMapDataSymlinkSwapIsReloaded) {
  TempDir dir;
  MakeConfigMap(dir, 1);
  RuleStore store(dir.Path("cm"));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(store.Reload().ok());
  ASSERT_EQ(LimitOf(store, "x"), 1u);

  // What the kubelet does: a new timestamped directory, then `..data` re-pointed atomically, then
  // the old directory removed.
  dir.Write("cm/..2026_02/x.yaml", Rules("x", 2));
  dir.SwapSymlink("..2026_02", "cm/..data");
  std::filesystem::remove_all(dir.Path("cm/..2026_01"));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "x") == 2; }));

  // A second swap works too (the watches moved with the target).
  dir.Write("cm/..2026_03/x.yaml", Rules("x", 3));
  dir.SwapSymlink("..2026_03", "cm/..data");
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "x") == 3; }));
  EXPECT_EQ(store.reload_failures(), 0u);
}

TEST(RuleWatcherTest, InPlaceEditBehindASymlinkIsReloaded) {
  TempDir dir;
  MakeConfigMap(dir, 1);
  RuleStore store(dir.Path("cm"));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(store.Reload().ok());

  dir.Write("cm/..2026_01/x.yaml", Rules("x", 8));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "x") == 8; }));
}

TEST(RuleWatcherTest, SymlinkedPathRepointedIsReloaded) {
  TempDir dir;
  dir.Write("v1/a.yaml", Rules("a", 1));
  dir.Write("v2/a.yaml", Rules("a", 2));
  dir.Symlink(dir.Path("v1"), "current");
  RuleStore store(dir.Path("current"));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  ASSERT_TRUE(store.Reload().ok());

  dir.SwapSymlink(dir.Path("v2"), "current");
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "a") == 2; }));
  // Edits in the new target are seen as well.
  dir.Write("v2/a.yaml", Rules("a", 3));
  EXPECT_TRUE(WaitFor([&] { return LimitOf(store, "a") == 3; }));
}

TEST(RuleWatcherTest, StopIsIdempotentAndStopsReloading) {
  TempDir dir;
  RuleStore store(dir.Write("r.yaml", Rules("d", 1)));
  auto watcher = MustStart(&store);
  ASSERT_NE(watcher, nullptr);
  watcher->Stop();
  watcher->Stop();
  EXPECT_EQ(watcher->triggered_reloads(), 0u);
  watcher.reset();  // destructor after Stop
}

TEST(RuleWatcherTest, FailsWhenNothingCanBeWatched) {
  TempDir dir;
  RuleStore store(dir.Path("no/such/dir/r.yaml"));
  absl::StatusOr<std::unique_ptr<RuleWatcher>> watcher = RuleWatcher::Start(&store, Fast());
  EXPECT_FALSE(watcher.ok());
}

}  // namespace
}  // namespace sluice::rules
