// Gauge: a value that goes up and down (queue lengths, in-flight calls, build info).
//
// One atomic double that callers Set or Add to. It is not striped: Set has to be one value,
// and gauges change far less often than counters. No lock, no allocation. For a value that
// is cheaper to compute at scrape time than to keep up to date, use a CallbackGauge
// (obs/callback_metric.h) instead.
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <atomic>

namespace sluice::obs {

class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Increment() { Add(1); }
  void Decrement() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  static_assert(std::atomic<double>::is_always_lock_free);
  std::atomic<double> value_{0};
};

}  // namespace sluice::obs
