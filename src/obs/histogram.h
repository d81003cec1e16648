// Histogram: counts observations into fixed buckets chosen at construction, plus their sum.
//
// Bucket i counts observations v <= bounds[i] (Prometheus `le` semantics); an implicit last
// bucket (+Inf) counts the rest. Storage is striped (obs/stripes.h): Observe takes no lock,
// allocates nothing, and does a binary search over the bounds plus two relaxed atomic updates
// on the calling thread's stripe.
//
// Thread safety: every method may be called from any thread concurrently. A snapshot taken
// while observers run may show a sum and a count from slightly different moments; its
// cumulative bucket counts are always non-decreasing and the +Inf bucket always equals count.
// Invariants: bounds are finite and strictly increasing (checked by ValidBounds); NaN
// observations are ignored.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "obs/stripes.h"

namespace sluice::obs {

class Histogram {
 public:
  struct Snapshot {
    std::vector<double> bounds;        // upper bounds, without +Inf
    std::vector<uint64_t> cumulative;  // bounds.size() + 1 entries; the last is +Inf
    double sum = 0;
    uint64_t count() const { return cumulative.back(); }
  };

  // True when every bound is finite and each is greater than the one before.
  static bool ValidBounds(std::span<const double> bounds);

  // Precondition: ValidBounds(bounds). An empty list gives a single +Inf bucket.
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value) {
    if (std::isnan(value)) return;
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    cells_.Add(static_cast<size_t>(it - bounds_.begin()), 1);
    cells_.AddDouble(sum_cell(), value);
  }

  const std::vector<double>& bounds() const { return bounds_; }
  Snapshot Read() const;

 private:
  // Cells: one count per bucket (bounds_.size() + 1, not cumulative), then the sum.
  size_t sum_cell() const { return bounds_.size() + 1; }

  const std::vector<double> bounds_;
  StripedCells cells_;
};

// Latency buckets in seconds, 100 µs to 10 s; a rate-limit decision is usually sub-millisecond.
inline constexpr double kLatencyBucketsSeconds[] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

}  // namespace sluice::obs
