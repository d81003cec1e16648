// CallbackMetric: a series with no stored value; Value() runs a caller-supplied function at
// scrape time. Used for numbers another component already keeps (the store's size and its
// hit/miss/eviction totals), so the hot path is not charged twice for them.
//
// Registered as a gauge (CallbackGauge) or as a counter (CallbackCounter, whose callback must
// then be monotonic). The callback may be bound, replaced or cleared at any time; an unbound
// one reads 0.
//
// Thread safety: every method may be called from any thread concurrently. The callback runs
// under an internal mutex, so once SetCallback() returns the previous callback is neither
// running nor will run again (what it captured may then be destroyed). The callback must be
// cheap, must not block for long, and must not call back into this object or into the
// Registry that renders it.
#pragma once

#include <functional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace sluice::obs {

class CallbackMetric {
 public:
  explicit CallbackMetric(std::function<double()> callback = nullptr)
      : callback_(std::move(callback)) {}
  CallbackMetric(const CallbackMetric&) = delete;
  CallbackMetric& operator=(const CallbackMetric&) = delete;

  // Replaces the callback; nullptr unbinds it. Waits for a Value() that is running it.
  void SetCallback(std::function<double()> callback) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs the callback; 0 when none is bound.
  double Value() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::function<double()> callback_ ABSL_GUARDED_BY(mu_);
};

using CallbackGauge = CallbackMetric;
using CallbackCounter = CallbackMetric;

}  // namespace sluice::obs
