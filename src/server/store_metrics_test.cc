#include "server/store_metrics.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "server/build_info_metric.h"
#include "testing/exposition.h"

namespace sluice::server {
namespace {

void Touch(core::Store& store, std::string_view key) {
  store.Update(key, 0, [](std::optional<core::BucketItem>& slot) {
    if (!slot) slot = core::BucketItem{.state = core::TokenBucketState{.remaining = 1},
                                       .expire_at = 1'000'000};
  });
}

TEST(StoreMetricsTest, FeedsBothNamingsFromTheStoresTotals) {
  obs::Registry registry;
  core::Store store({.capacity = 10, .shards = 1});
  StoreMetrics metrics(registry, store);
  Touch(store, "a");  // a miss, then stored
  Touch(store, "a");  // a hit
  Touch(store, "b");
  const core::StoreStats s = store.Stats();
  ASSERT_EQ(s.size, 2u);
  ASSERT_GT(s.hits, 0u);
  ASSERT_GT(s.misses, 0u);
  const obs::Exposition e = obs::ParseExposition(registry.Render());
  EXPECT_EQ(e.types.at("sluice_store_items"), "gauge");
  EXPECT_EQ(e.types.at("sluice_store_lookups_total"), "counter");
  EXPECT_EQ(e.types.at("sluice_store_unexpired_evictions_total"), "counter");
  EXPECT_EQ(e.types.at("gubernator_cache_size"), "gauge");
  EXPECT_EQ(e.Get("sluice_store_items"), 2);
  EXPECT_EQ(e.Get("gubernator_cache_size"), 2);
  EXPECT_EQ(e.Get("sluice_store_lookups_total{result=\"hit\"}"), static_cast<double>(s.hits));
  EXPECT_EQ(e.Get("gubernator_cache_access_count{type=\"hit\"}"), static_cast<double>(s.hits));
  EXPECT_EQ(e.Get("sluice_store_lookups_total{result=\"miss\"}"), static_cast<double>(s.misses));
  EXPECT_EQ(e.Get("gubernator_cache_access_count{type=\"miss\"}"),
            static_cast<double>(s.misses));
  EXPECT_EQ(e.Get("sluice_store_unexpired_evictions_total"), 0);
  EXPECT_EQ(e.Get("gubernator_unexpired_evictions_count"), 0);
  EXPECT_EQ(e.Get("sluice_store_bytes"), static_cast<double>(s.bytes));
}

TEST(StoreMetricsTest, ReadsZeroOnceDestroyed) {
  obs::Registry registry;
  {
    core::Store store({.capacity = 10, .shards = 1});
    StoreMetrics metrics(registry, store);
    Touch(store, "a");
  }
  EXPECT_EQ(obs::ParseExposition(registry.Render()).Get("gubernator_cache_size"), 0);
}

TEST(BuildInfoMetricTest, CarriesTheVersion) {
  obs::Registry registry;
  RegisterBuildInfo(registry, "1.2.3");
  const obs::Exposition e = obs::ParseExposition(registry.Render());
  EXPECT_EQ(e.types.at("sluice_build_info"), "gauge");
  EXPECT_EQ(e.Get("sluice_build_info{version=\"1.2.3\"}"), 1);
}

}  // namespace
}  // namespace sluice::server
