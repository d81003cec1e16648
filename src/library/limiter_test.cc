// sluice::Limiter through the public headers only (this test has no src/ on its include path).
#include "sluice/limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <vector>

#include "sluice/version.h"

namespace {

constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;

class SteppedClock final : public sluice::Clock {
 public:
  int64_t NowMillis() const override { return now.load(); }
  std::atomic<int64_t> now{kStart};
};

sluice::Request Req(std::string key, int64_t hits, int64_t limit = 10, int64_t duration = 1000) {
  sluice::Request r;
  r.name = "api";
  r.unique_key = std::move(key);
  r.hits = hits;
  r.limit = limit;
  r.duration = duration;
  return r;
}

TEST(PublicLimiterTest, TokenBucketCountsDownAndResetsWithTheWindow) {
  SteppedClock clock;
  sluice::Limiter limiter({.capacity = 100, .clock = &clock});
  sluice::Answer a = limiter.Check(Req("alice", 4));
  EXPECT_TRUE(a.under_limit());
  EXPECT_EQ(a.remaining, 6);
  EXPECT_EQ(a.limit, 10);
  EXPECT_EQ(a.reset_time, kStart + 1000);
  a = limiter.Check(Req("alice", 7));
  EXPECT_EQ(a.status, sluice::LimitStatus::kOverLimit);
  EXPECT_EQ(a.remaining, 6);  // rejected whole: nothing consumed
  clock.now += 1001;
  EXPECT_EQ(limiter.Check(Req("alice", 7)).remaining, 3);
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(PublicLimiterTest, LeakyBucketAndFixedWindowAreThere) {
  SteppedClock clock;
  sluice::Limiter limiter({.clock = &clock});
  sluice::Request leaky = Req("bob", 10, 10, 1000);
  leaky.algorithm = sluice::Algorithm::kLeakyBucket;
  EXPECT_EQ(limiter.Check(leaky).remaining, 0);
  clock.now += 500;  // half the duration leaks half the limit back
  leaky.hits = 0;
  EXPECT_EQ(limiter.Check(leaky).remaining, 5);

  sluice::Request window = Req("carol", 3, 3, 60'000);
  window.algorithm = sluice::Algorithm::kFixedWindow;
  EXPECT_TRUE(limiter.Check(window).under_limit());
  window.hits = 1;
  EXPECT_EQ(limiter.Check(window).status, sluice::LimitStatus::kOverLimit);
}

TEST(PublicLimiterTest, ABatchIsAnsweredItemByItem) {
  SteppedClock clock;
  sluice::Limiter limiter({.clock = &clock});
  std::vector<sluice::Request> batch = {Req("a", 1), Req("", 1), Req("a", 20)};
  batch[1].unique_key.clear();
  std::vector<sluice::Answer> answers = limiter.Check(batch);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_TRUE(answers[0].under_limit());
  EXPECT_EQ(answers[1].error, "field 'unique_key' cannot be empty");
  EXPECT_EQ(answers[2].status, sluice::LimitStatus::kOverLimit);
}

TEST(PublicLimiterTest, InvalidInputIsAnErrorNotAnAnswer) {
  sluice::Limiter limiter({.max_key_bytes = 16});
  sluice::Request r = Req("a-key-that-is-far-too-long", 1);
  EXPECT_NE(limiter.Check(r).error.find("exceeds the 16-byte limit"), std::string::npos);
  r = Req("k", 1);
  r.algorithm = static_cast<sluice::Algorithm>(9);
  EXPECT_EQ(limiter.Check(r).error, "Invalid rate limit algorithm '9'");
  EXPECT_FALSE(limiter.Check(r).under_limit());
}

// A Store and a Loader as a user writes them: maps of the opaque bytes.
class MapStore final : public sluice::Store {
 public:
  void OnChange(const sluice::StoredItemView& item) override {
    items[std::string(item.key)] = {std::string(item.key), item.expire_at, item.duration,
                                    std::string(item.state)};
  }
  void OnRemove(std::string_view key) override { items.erase(std::string(key)); }
  std::optional<sluice::StoredItem> Get(std::string_view key, int64_t) override {
    auto it = items.find(std::string(key));
    if (it == items.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, sluice::StoredItem> items;
};

class VectorLoader final : public sluice::Loader {
 public:
  sluice::Status Load(const ItemSink& add) override {
    for (const auto& item : items) add(item.view());
    return sluice::Status::Ok();
  }
  sluice::Status Save(const std::function<void(const ItemSink&)>& for_each) override {
    items.clear();
    for_each([this](const sluice::StoredItemView& v) {
      items.push_back({std::string(v.key), v.expire_at, v.duration, std::string(v.state)});
    });
    return sluice::Status::Ok();
  }
  std::vector<sluice::StoredItem> items;
};

TEST(PublicLimiterTest, AStoreCarriesAKeyIntoANewLimiter) {
  SteppedClock clock;
  MapStore store;
  {
    sluice::Limiter limiter({.clock = &clock, .store = &store});
    limiter.Check(Req("monthly", 30, 100, kHour));
  }
  ASSERT_EQ(store.items.size(), 1u);
  clock.now += 60'000;
  sluice::Limiter restarted({.clock = &clock, .store = &store});
  sluice::Answer a = restarted.Check(Req("monthly", 1, 100, kHour));
  EXPECT_EQ(a.remaining, 69);
  EXPECT_EQ(a.reset_time, kStart + kHour);
}

TEST(PublicLimiterTest, SaveAndLoadKeepLiveKeysAndDropExpiredOnes) {
  SteppedClock clock;
  VectorLoader loader;
  {
    sluice::Limiter limiter({.clock = &clock});
    limiter.Check(Req("long", 3, 10, kHour));
    limiter.Check(Req("short", 3, 10, 1000));
    ASSERT_TRUE(limiter.Save(loader).ok());
  }
  EXPECT_EQ(loader.items.size(), 2u);
  clock.now += 2000;
  sluice::Limiter restarted({.clock = &clock});
  ASSERT_TRUE(restarted.Load(loader).ok());
  EXPECT_EQ(restarted.size(), 1u);
  EXPECT_EQ(restarted.Check(Req("long", 0, 10, kHour)).remaining, 7);
}

TEST(PublicLimiterTest, VersionMacrosAgree) {
  EXPECT_EQ(SLUICE_VERSION_NUMBER,
            SLUICE_VERSION_MAJOR * 10000 + SLUICE_VERSION_MINOR * 100 + SLUICE_VERSION_PATCH);
  EXPECT_EQ(std::string(SLUICE_VERSION),
            std::to_string(SLUICE_VERSION_MAJOR) + "." + std::to_string(SLUICE_VERSION_MINOR) +
                "." + std::to_string(SLUICE_VERSION_PATCH));
}

}  // namespace
