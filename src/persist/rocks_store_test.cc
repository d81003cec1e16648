#include "persist/rocks_store.h"

#include <gtest/gtest.h>

#include <atomic>

#include "testing/temp_dir.h"

namespace sluice::persist {
namespace {

constexpr int64_t kHour = 3'600'000;

class RocksStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<RocksStore> Open() {
    auto store = RocksStore::Open({.dir = dir_, .now = [this] { return now_.load(); }});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  testing::TempDir temp_;
  const std::string dir_ = temp_.Path("store");
  std::atomic<int64_t> now_{1'000'000};
};

TEST_F(RocksStoreTest, LongKeysAreWrittenAndSurviveAReopen) {
  {
    auto store = Open();
    store->OnChange({.key = "month_a", .expire_at = 5'000'000, .duration = kHour, .state = "s1"});
    EXPECT_EQ(store->Stats().writes, 1u);
  }
  auto store = Open();
  std::optional<StoredItem> item = store->Get("month_a", kHour);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->key, "month_a");
  EXPECT_EQ(item->expire_at, 5'000'000);
  EXPECT_EQ(item->duration, kHour);
  EXPECT_EQ(item->state, "s1");
  EXPECT_FALSE(store->Get("month_b", kHour).has_value());
  EXPECT_EQ(store->Stats().reads, 2u);
  EXPECT_EQ(store->Stats().read_hits, 1u);
}

TEST_F(RocksStoreTest, ShortKeysNeverTouchTheDatabase) {
  auto store = Open();
  store->OnChange({.key = "sec_a", .expire_at = 5'000'000, .duration = 1000, .state = "s"});
  EXPECT_EQ(store->Stats().writes, 0u);
  EXPECT_EQ(store->Stats().skipped, 1u);
  EXPECT_FALSE(store->Get("sec_a", 1000).has_value());
  EXPECT_EQ(store->Stats().reads, 0u);
}

TEST_F(RocksStoreTest, RemoveDeletes) {
  auto store = Open();
  store->OnChange({.key = "k", .expire_at = 5'000'000, .duration = kHour, .state = "s"});
  store->OnRemove("k");
  EXPECT_FALSE(store->Get("k", kHour).has_value());
}

TEST_F(RocksStoreTest, CompactionDropsExpiredItems) {
  auto store = Open();
  store->OnChange({.key = "old", .expire_at = 2'000'000, .duration = kHour, .state = "s"});
  store->OnChange({.key = "live", .expire_at = 9'000'000, .duration = kHour, .state = "s"});
  now_ = 3'000'000;
  store->CompactForTest();
  EXPECT_FALSE(store->Get("old", kHour).has_value());
  EXPECT_TRUE(store->Get("live", kHour).has_value());
}

TEST_F(RocksStoreTest, AnUnusableDirectoryFailsOpenNamingIt) {
  temp_.Write("store", "a file, not a directory");
  auto store = RocksStore::Open({.dir = dir_});
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("--store-dir '" + dir_ + "': cannot open the store"),
            std::string::npos)
      << store.status();
}

}  // namespace
}  // namespace sluice::persist
