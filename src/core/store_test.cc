#include "core/store.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/limiter.h"

namespace sluice::core {
namespace {

BucketItem Item(int64_t expire_at, int64_t remaining = 1) {
  return BucketItem{.state = TokenBucketState{.remaining = remaining}, .expire_at = expire_at};
}

void Put(Store& store, std::string_view key, BucketItem item, int64_t now = 0) {
  store.Update(key, now, [&](std::optional<BucketItem>& slot) { slot = item; });
}

bool Has(Store& store, std::string_view key, int64_t now = 0) {
  return store.Peek(key, now).has_value();
}

TEST(StoreTest, StoresAndReadsBack) {
  Store store({.capacity = 10, .shards = 1});
  Put(store, "a", Item(100, 7));
  auto got = store.Peek("a", 0);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::get<TokenBucketState>(got->state).remaining, 7);
  EXPECT_EQ(store.Size(), 1u);
}

// A caller that knows the key's hash (Envoy rules precompute it) reaches the same entry as one
// that lets the store hash the key.
TEST(StoreTest, AGivenHashReachesTheSameEntry) {
  Store store({.capacity = 16 * 64, .shards = 16});  // room for all 50 keys in any one shard
  for (int i = 0; i < 50; ++i) {
    const std::string key = "envoy_shop_generic_key_" + std::to_string(i) + "_second";
    store.Update(key, Store::KeyHash(key), 0,
                 [&](std::optional<BucketItem>& slot) { slot = Item(100, i); });
    auto got = store.Peek(key, 0);
    ASSERT_TRUE(got) << key;
    EXPECT_EQ(std::get<TokenBucketState>(got->state).remaining, i);
  }
  EXPECT_EQ(store.Size(), 50u);
}

// Limiter::Check uses the request's store_hash when set, and hashes the key itself otherwise:
// both count on one entry.
TEST(StoreTest, LimiterCountsOneEntryWithOrWithoutAKnownHash) {
  Store store({.capacity = 100, .shards = 16});
  Limiter limiter(store);
  RateLimitRequest req{.name = "envoy", .unique_key = "shop_user_second", .hits = 1, .limit = 10,
                       .duration = 1000, .created_at = 1};
  const std::string key = HashKey(req.name, req.unique_key);
  EXPECT_EQ(limiter.Check(req, key, 1).remaining, 9);
  req.store_hash = Store::KeyHash(key);
  EXPECT_EQ(limiter.Check(req, key, 1).remaining, 8);
  req.store_hash = 0;
  EXPECT_EQ(limiter.Check(req, 1).remaining, 7);
  EXPECT_EQ(store.Size(), 1u);
}

TEST(StoreTest, EvictsLeastRecentlyUsedFirst) {
  Store store({.capacity = 3, .shards = 1});
  Put(store, "a", Item(100));
  Put(store, "b", Item(100));
  Put(store, "c", Item(100));
  // Touch "a": "b" becomes the least recently used.
  store.Update("a", 0, [](std::optional<BucketItem>&) {});
  Put(store, "d", Item(100));
  EXPECT_TRUE(Has(store, "a"));
  EXPECT_FALSE(Has(store, "b"));
  EXPECT_TRUE(Has(store, "c"));
  EXPECT_TRUE(Has(store, "d"));
  Put(store, "e", Item(100));
  EXPECT_FALSE(Has(store, "c"));
  EXPECT_EQ(store.Size(), 3u);
  EXPECT_EQ(store.Stats().unexpired_evictions, 2u);
}

TEST(StoreTest, AnExpiredItemIsEvictedEvenIfUsedRecently) {
  Store store({.capacity = 3, .shards = 1});
  Put(store, "a", Item(1000));
  Put(store, "b", Item(10));  // expired by now = 50
  Put(store, "c", Item(1000));
  store.Update("a", 0, [](std::optional<BucketItem>&) {});
  store.Update("b", 0, [](std::optional<BucketItem>&) {});
  Put(store, "d", Item(1000), /*now=*/50);  // the hand spares "a", takes expired "b"
  EXPECT_TRUE(Has(store, "a", 50));
  EXPECT_FALSE(Has(store, "b", 50));
  EXPECT_TRUE(Has(store, "c", 50));
  EXPECT_TRUE(Has(store, "d", 50));
  EXPECT_EQ(store.Stats().unexpired_evictions, 0u);
}

TEST(StoreTest, KeysUsedSinceTheLastSweepAreSpared) {
  Store store({.capacity = 4, .shards = 1});
  for (const char* key : {"a", "b", "c", "d"}) Put(store, key, Item(1000));
  // Keep using "a" and "b" while new keys arrive: the idle ones go, the busy ones stay.
  for (const char* key : {"e", "f", "g", "h"}) {
    store.Update("a", 0, [](std::optional<BucketItem>&) {});
    store.Update("b", 0, [](std::optional<BucketItem>&) {});
    Put(store, key, Item(1000));
  }
  EXPECT_TRUE(Has(store, "a"));
  EXPECT_TRUE(Has(store, "b"));
  EXPECT_EQ(store.Size(), 4u);
  EXPECT_EQ(store.Stats().unexpired_evictions, 4u);
}

TEST(StoreTest, EvictingExpiredItemsIsNotCountedAsUnexpired) {
  Store store({.capacity = 1, .shards = 1});
  Put(store, "a", Item(10));
  Put(store, "b", Item(100), /*now=*/50);
  EXPECT_EQ(store.Stats().unexpired_evictions, 0u);
  EXPECT_EQ(store.Size(), 1u);
}

TEST(StoreTest, ExpiryIsLazyAndStrict) {
  Store store({.capacity = 10, .shards = 1});
  Put(store, "a", Item(100));
  EXPECT_TRUE(Has(store, "a", 100));   // expire_at == now: alive
  EXPECT_FALSE(Has(store, "a", 101));  // expire_at < now: gone
  EXPECT_EQ(store.Size(), 1u);         // ...but only removed when touched
  bool saw_item = true;
  store.Update("a", 101, [&](std::optional<BucketItem>& slot) { saw_item = slot.has_value(); });
  EXPECT_FALSE(saw_item);
  EXPECT_EQ(store.Size(), 0u);
}

TEST(StoreTest, ResettingTheItemDeletesTheKey) {
  Store store({.capacity = 10, .shards = 1});
  Put(store, "a", Item(100));
  store.Update("a", 0, [](std::optional<BucketItem>& slot) { slot.reset(); });
  EXPECT_FALSE(Has(store, "a"));
  EXPECT_EQ(store.Size(), 0u);
  Put(store, "b", Item(100));  // the freed slot is reused
  EXPECT_TRUE(Has(store, "b"));
}

TEST(StoreTest, CountsHitsAndMisses) {
  Store store({.capacity = 10, .shards = 1});
  Put(store, "a", Item(100));                             // miss
  store.Update("a", 0, [](std::optional<BucketItem>&) {});  // hit
  store.Update("a", 200, [](std::optional<BucketItem>&) {});  // expired: miss
  auto stats = store.Stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
}

TEST(StoreTest, CapacityIsHeldAcrossShards) {
  Store store({.capacity = 1000, .shards = 16});
  for (int i = 0; i < 5000; ++i) Put(store, "key" + std::to_string(i), Item(100));
  EXPECT_LE(store.Size(), 1000u);  // the shards' shares add up to the capacity exactly
  EXPECT_GE(store.Size(), 900u);
}

// The cap is exact: capacity 100,000 over 64 shards (1,562.5 each) never holds more than
// 100,000 items (each shard rounding its share up held 100,032).
TEST(StoreTest, TheItemCapIsNeverExceeded) {
  Store store({.capacity = 100'000, .shards = 64});
  for (int i = 0; i < 300'000; ++i) Put(store, "key" + std::to_string(i), Item(1'000'000));
  EXPECT_LE(store.Size(), 100'000u);
  EXPECT_LE(store.Stats().size, 100'000u);
  EXPECT_GE(store.Size(), 99'000u);  // the shards fill up evenly: the cap is nearly reached
}

// Long keys are charged their bytes: 1 MB keys cannot take the process's memory, however few
// items they are.
TEST(StoreTest, TheByteBudgetBoundsLongKeys) {
  const size_t budget = 8 << 20;
  Store store({.capacity = 50'000, .max_bytes = budget, .shards = 4});
  for (int i = 0; i < 100; ++i) {
    Put(store, std::to_string(i) + std::string(1 << 20, 'k'), Item(1'000'000));
    ASSERT_LE(store.Stats().bytes, budget);
  }
  EXPECT_GT(store.Stats().unexpired_evictions, 0u);
  EXPECT_LE(store.Size(), 8u);
  // Ordinary keys are still stored, within the same budget.
  for (int i = 0; i < 1000; ++i) Put(store, "short" + std::to_string(i), Item(1'000'000));
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(Has(store, "short" + std::to_string(i))) << i;
  EXPECT_LE(store.Stats().bytes, budget);
}

// An entry larger than its shard's whole byte share is answered but not stored.
TEST(StoreTest, AnEntryLargerThanAShardsShareIsNotStored) {
  Store store({.capacity = 100, .max_bytes = 4 * Store::EntryBytes(8), .shards = 4});
  Put(store, "small", Item(100));
  Put(store, std::string(1000, 'x'), Item(100));
  EXPECT_TRUE(Has(store, "small"));
  EXPECT_FALSE(Has(store, std::string(1000, 'x')));
  EXPECT_EQ(store.Stats().unstored, 1u);
  EXPECT_EQ(store.Size(), 1u);
}

TEST(StoreTest, LongKeysSurviveSlabGrowth) {
  Store store({.capacity = 10'000, .shards = 2});
  std::string prefix(100, 'x');
  for (int i = 0; i < 3000; ++i) Put(store, prefix + std::to_string(i), Item(100, i));
  for (int i = 0; i < 3000; ++i) {
    auto got = store.Peek(prefix + std::to_string(i), 0);
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(std::get<TokenBucketState>(got->state).remaining, i);
  }
}

// Inserts and deletes of short (inline) and long (heap) keys against a model, through index
// growth and slot reuse.
TEST(StoreTest, MatchesAModelUnderRandomInsertsAndDeletes) {
  Store store({.capacity = 100'000, .shards = 4});
  std::map<std::string, int64_t> model;
  std::mt19937 rng(11);
  for (int step = 0; step < 20'000; ++step) {
    const int n = static_cast<int>(rng() % 3000);
    const std::string key = (n % 2 ? std::string(60, 'x') : std::string("k")) + std::to_string(n);
    if (rng() % 4 == 0) {
      store.Update(key, 0, [](std::optional<BucketItem>& slot) { slot.reset(); });
      model.erase(key);
    } else {
      Put(store, key, Item(100, step));
      model[key] = step;
    }
  }
  EXPECT_EQ(store.Size(), model.size());
  for (int n = 0; n < 3000; ++n) {
    const std::string key = (n % 2 ? std::string(60, 'x') : std::string("k")) + std::to_string(n);
    auto got = store.Peek(key, 0);
    auto want = model.find(key);
    ASSERT_EQ(got.has_value(), want != model.end()) << key;
    if (got) {
      EXPECT_EQ(std::get<TokenBucketState>(got->state).remaining, want->second) << key;
    }
  }
}

TEST(StoreTest, ConcurrentUpdatesOfOneKeyLoseNoHits) {
  Store store({.capacity = 100, .shards = 8});
  Limiter limiter(store);
  constexpr int kThreads = 4;
  constexpr int kHitsPerThread = 20'000;
  RateLimitRequest req;
  req.name = "n";
  req.unique_key = "hot";
  req.hits = 1;
  req.limit = kThreads * kHitsPerThread;
  req.duration = 3'600'000;
  req.created_at = 1000;
  std::vector<std::thread> threads;
  std::atomic<int> under{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kHitsPerThread; ++i) {
        if (limiter.Check(req, 1000).status == Status::kUnderLimit) under.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(under.load(), kThreads * kHitsPerThread);
  auto read = req;
  read.hits = 0;
  EXPECT_EQ(limiter.Check(read, 1000).remaining, 0);
  EXPECT_EQ(limiter.Check(req, 1000).status, Status::kOverLimit);
}

}  // namespace
}  // namespace sluice::core
