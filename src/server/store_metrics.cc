#include "server/store_metrics.h"

#include <cstdint>
#include <string_view>

namespace sluice::server {
namespace {

constexpr std::string_view kLookups = "Store lookups, by result (hit or miss).";
constexpr std::string_view kCacheAccess = "Cache access counts.";

// Reads one field of the store's totals at scrape time.
template <typename Field>
std::function<double()> Reader(const core::Store& store, Field core::StoreStats::*field) {
  return [&store, field] { return static_cast<double>(store.Stats().*field); };
}

}  // namespace

StoreMetrics::StoreMetrics(obs::Registry& r, const core::Store& store)
    : items_(r.AddCallbackGauge("sluice_store_items", "Rate-limit keys held in the store.", {},
                                Reader(store, &core::StoreStats::size))),
      hits_(r.AddCallbackCounter("sluice_store_lookups_total", kLookups, {{"result", "hit"}},
                                 Reader(store, &core::StoreStats::hits))),
      misses_(r.AddCallbackCounter("sluice_store_lookups_total", kLookups, {{"result", "miss"}},
                                   Reader(store, &core::StoreStats::misses))),
      unexpired_evictions_(r.AddCallbackCounter(
          "sluice_store_unexpired_evictions_total",
          "Keys evicted from the full store before they expired (capacity too small).", {},
          Reader(store, &core::StoreStats::unexpired_evictions))),
      bytes_(r.AddCallbackGauge(
          "sluice_store_bytes", "Bytes charged for the keys held in the store (--cache-max-bytes).",
          {}, Reader(store, &core::StoreStats::bytes))),
      gubernator_cache_size_(r.AddCallbackGauge(
          "gubernator_cache_size", "The number of items in LRU Cache which holds the rate limits.",
          {}, Reader(store, &core::StoreStats::size))),
      gubernator_cache_hits_(r.AddCallbackCounter("gubernator_cache_access_count", kCacheAccess,
                                                  {{"type", "hit"}},
                                                  Reader(store, &core::StoreStats::hits))),
      gubernator_cache_misses_(r.AddCallbackCounter("gubernator_cache_access_count", kCacheAccess,
                                                    {{"type", "miss"}},
                                                    Reader(store, &core::StoreStats::misses))),
      gubernator_evictions_(r.AddCallbackCounter(
          "gubernator_unexpired_evictions_count",
          "Count the number of cache items which were evicted while unexpired.", {},
          Reader(store, &core::StoreStats::unexpired_evictions))) {}

StoreMetrics::~StoreMetrics() {
  for (obs::CallbackMetric* metric :
       {items_, hits_, misses_, unexpired_evictions_, bytes_, gubernator_cache_size_,
        gubernator_cache_hits_, gubernator_cache_misses_, gubernator_evictions_}) {
    metric->SetCallback(nullptr);
  }
}

}  // namespace sluice::server
