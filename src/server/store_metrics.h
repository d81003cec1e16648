// StoreMetrics: the store's own totals (core::Store::Stats()) on the Registry that /metrics
// renders, under Sluice's names and Gubernator's (reference/gubernator.md §5.1), read at scrape
// time: the store already keeps them, so the request path is not charged twice. The server
// owns the store (it is core, with no metrics of its own), so it owns these series too.
//
// Thread safety: constructed and destroyed by the owner of the store; scrapes may run on any
// thread meanwhile. The Registry must outlive this object, and this object must not outlive
// the store: its destructor unbinds every series (they then read 0), waiting out a running
// scrape.
#pragma once

#include "core/store.h"
#include "obs/callback_metric.h"
#include "obs/registry.h"

namespace sluice::server {

class StoreMetrics {
 public:
  StoreMetrics(obs::Registry& registry, const core::Store& store);
  ~StoreMetrics();
  StoreMetrics(const StoreMetrics&) = delete;
  StoreMetrics& operator=(const StoreMetrics&) = delete;

 private:
  obs::CallbackGauge* items_;                       // sluice_store_items
  obs::CallbackCounter* hits_;                      // sluice_store_lookups_total{result="hit"}
  obs::CallbackCounter* misses_;                    // sluice_store_lookups_total{result="miss"}
  obs::CallbackCounter* unexpired_evictions_;       // sluice_store_unexpired_evictions_total
  obs::CallbackGauge* bytes_;                       // sluice_store_bytes
  obs::CallbackGauge* gubernator_cache_size_;       // gubernator_cache_size
  obs::CallbackCounter* gubernator_cache_hits_;     // gubernator_cache_access_count{type="hit"}
  obs::CallbackCounter* gubernator_cache_misses_;   // gubernator_cache_access_count{type="miss"}
  obs::CallbackCounter* gubernator_evictions_;      // gubernator_unexpired_evictions_count
};

}  // namespace sluice::server
