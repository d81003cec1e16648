// The Limiter's persistence hooks (include/sluice/persistence.h) against an in-memory Store.
#include <gtest/gtest.h>

#include "core/bucket_codec.h"
#include "core/limiter.h"
#include "testing/core_test_util.h"
#include "testing/memory_persistence.h"

namespace sluice::core {
namespace {

constexpr int64_t kHour = 3'600'000;

class LimiterPersistenceTest : public LimiterFixture {
 protected:
  testing::MemoryStore persistent_;
  Limiter persisted_{store_, &persistent_};

  RateLimitResponse HitPersisted(int64_t hits, int64_t limit = 10, int64_t duration = kHour,
                                 int32_t behavior = 0) {
    return persisted_.Check(Request(hits, limit, duration, behavior), clock_.NowMillis());
  }
};

TEST_F(LimiterPersistenceTest, EveryChangeReachesTheStoreAndAMissAsksIt) {
  EXPECT_EQ(HitPersisted(3).remaining, 7);
  EXPECT_EQ(persistent_.gets, 1);  // the first touch missed memory
  ASSERT_EQ(persistent_.items.count("test_account:1"), 1u);
  const StoredItem& saved = persistent_.items["test_account:1"];
  EXPECT_EQ(saved.expire_at, kStart + kHour);
  EXPECT_EQ(saved.duration, kHour);

  clock_.Advance(10);
  EXPECT_EQ(HitPersisted(2).remaining, 5);
  EXPECT_EQ(persistent_.gets, 1);  // held in memory: not asked again
  EXPECT_EQ(persistent_.changes, 2);
  auto state = DecodeBucketState(persistent_.items["test_account:1"].state);
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(std::get<TokenBucketState>(*state).remaining, 5);
}

TEST_F(LimiterPersistenceTest, AReadThatChangesNothingWritesNothing) {
  HitPersisted(1);
  HitPersisted(0);
  EXPECT_EQ(persistent_.changes, 1);
}

TEST_F(LimiterPersistenceTest, AKeyLostFromMemoryContinuesFromTheStore) {
  HitPersisted(4);
  // A restarted process: empty memory, the same persistent store.
  Store fresh{StoreOptions{.capacity = 1000, .shards = 4}};
  Limiter restarted{fresh, &persistent_};
  clock_.Advance(1000);
  RateLimitResponse resp = restarted.Check(Request(1, 10, kHour), clock_.NowMillis());
  EXPECT_EQ(resp.remaining, 5);
  EXPECT_EQ(resp.reset_time, kStart + kHour);
}

TEST_F(LimiterPersistenceTest, AnExpiredOrUndecodableStoredItemStartsAfresh) {
  persistent_.items["test_account:1"] =
      StoredItem{"test_account:1", kStart - 1, kHour, std::string("garbage")};
  EXPECT_EQ(HitPersisted(1).remaining, 9);  // expired: not even decoded
  EXPECT_EQ(persisted_.undecodable_items(), 0u);

  Store fresh{StoreOptions{.capacity = 1000, .shards = 4}};
  Limiter restarted{fresh, &persistent_};
  persistent_.items["test_account:1"].state = "garbage";
  persistent_.items["test_account:1"].expire_at = kStart + kHour;
  EXPECT_EQ(restarted.Check(Request(1, 10, kHour), clock_.NowMillis()).remaining, 9);
  EXPECT_EQ(restarted.undecodable_items(), 1u);
}

TEST_F(LimiterPersistenceTest, AFailingStoreLeavesDecisionsToMemory) {
  persistent_.failing = true;
  EXPECT_EQ(HitPersisted(3).remaining, 7);
  EXPECT_EQ(HitPersisted(3).remaining, 4);
  EXPECT_EQ(persistent_.dropped, 2);
}

TEST_F(LimiterPersistenceTest, ResetRemainingRemovesTheStoredItem) {
  HitPersisted(3);
  HitPersisted(0, 10, kHour, behavior::kResetRemaining);
  EXPECT_EQ(persistent_.removes, 1);
  EXPECT_EQ(persistent_.items.count("test_account:1"), 0u);
}

TEST_F(LimiterPersistenceTest, ReplicaStateFromReplaceIsNotPersisted) {
  persisted_.Replace("test_other", BucketItem{.state = TokenBucketState{.limit = 1},
                                              .expire_at = kStart + kHour},
                     kStart);
  EXPECT_EQ(persistent_.changes, 0);
}

TEST_F(LimiterPersistenceTest, SnapshotAndRestoreKeepRemainingAndResetTimeAndDropExpired) {
  Hit(4, 10, kHour);
  auto short_lived = Request(1, 10, 1000);
  short_lived.unique_key = "short";
  Check(short_lived);
  testing::MemoryLoader loader;
  ASSERT_TRUE(loader.Save([&](const sluice::Loader::ItemSink& sink) {
    limiter_.Snapshot(clock_.NowMillis(), sink);
  }).ok());
  ASSERT_EQ(loader.items.size(), 2u);

  clock_.Advance(5000);  // the short key has expired by now
  Store fresh{StoreOptions{.capacity = 1000, .shards = 4}};
  Limiter restarted{fresh};
  int restored = 0;
  ASSERT_TRUE(loader.Load([&](const StoredItemView& item) {
    restored += restarted.Restore(item, clock_.NowMillis()) ? 1 : 0;
  }).ok());
  EXPECT_EQ(restored, 1);
  RateLimitResponse resp = restarted.Check(Request(1, 10, kHour), clock_.NowMillis());
  EXPECT_EQ(resp.remaining, 5);
  EXPECT_EQ(resp.reset_time, kStart + kHour);
}

TEST(WindowLengthTest, GregorianCodesBecomeTheIntervalLength) {
  RateLimitRequest req;
  req.duration = 1;  // hours
  req.behavior = behavior::kDurationIsGregorian;
  EXPECT_EQ(WindowLength(req, 1'700'000'000'000), kHour);
  req.behavior = 0;
  EXPECT_EQ(WindowLength(req, 1'700'000'000'000), 1);
}

}  // namespace
}  // namespace sluice::core
