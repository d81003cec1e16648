// CounterRef: a handle to a Counter registered on a Registry, used with integer syntax —
// `++ref`, `ref += n` — and read as its integer total. For a component's stats struct whose
// fields read like plain integers (mesh::EngineStats): the counting lines stay `++stats_.x`,
// while every count lands in the Registry that /metrics renders, once.
//
// Thread safety: as Counter (every operation from any thread, no lock). A copy refers to the
// same counter. Invariant: the counter is non-null and outlives the handle (the Registry does).
#pragma once

#include <concepts>
#include <cstdint>

#include "obs/counter.h"

namespace sluice::obs {

class CounterRef {
 public:
  explicit CounterRef(Counter* counter) : counter_(counter) {}

  const CounterRef& operator++() const {
    counter_->Increment();
    return *this;
  }
  // Adds `n`; a negative `n` is ignored (a counter is monotonic).
  template <std::integral T>
  const CounterRef& operator+=(T n) const {
    if (n > 0) counter_->Increment(static_cast<uint64_t>(n));
    return *this;
  }

  // The integer total (what Increment added).
  uint64_t value() const { return counter_->Read().integer; }
  operator uint64_t() const { return value(); }  // NOLINT(google-explicit-constructor)

 private:
  Counter* counter_;
};

}  // namespace sluice::obs
