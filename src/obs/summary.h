// Summary: the count and sum of observations, without quantiles.
//
// Prometheus summaries without `quantile` series are valid exposition, and they are what
// Gubernator's dashboards and tests read (`gubernator_grpc_request_duration_count`, `_sum`).
// Quantiles are deliberately left out: they cost a lock or a sketch per observation, and a
// Histogram is the right tool when a distribution is needed. Striped storage: Observe takes
// no lock, allocates nothing and does two relaxed atomic updates.
//
// Thread safety: every method may be called from any thread concurrently; a reading taken
// while observers run may pair a count and a sum from slightly different moments.
// Invariants: NaN observations are ignored.
#pragma once

#include <cmath>
#include <cstdint>

#include "obs/stripes.h"

namespace sluice::obs {

class Summary {
 public:
  struct Reading {
    uint64_t count = 0;
    double sum = 0;
  };

  Summary() : cells_(kCells) {}
  Summary(const Summary&) = delete;
  Summary& operator=(const Summary&) = delete;

  void Observe(double value) {
    if (std::isnan(value)) return;
    cells_.Add(kCount, 1);
    cells_.AddDouble(kSum, value);
  }

  Reading Read() const { return {cells_.Sum(kCount), cells_.SumDouble(kSum)}; }

 private:
  static constexpr size_t kCount = 0;
  static constexpr size_t kSum = 1;
  static constexpr size_t kCells = 2;

  StripedCells cells_;
};

}  // namespace sluice::obs
