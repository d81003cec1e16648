#include "obs/histogram.h"

#include <utility>

namespace sluice::obs {

bool Histogram::ValidBounds(std::span<const double> bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) return false;
    if (i > 0 && !(bounds[i - 1] < bounds[i])) return false;
  }
  return true;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), cells_(bounds_.size() + 2) {}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snapshot;
  snapshot.bounds = bounds_;
  snapshot.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += cells_.Sum(i);
    snapshot.cumulative[i] = running;
  }
  snapshot.sum = cells_.SumDouble(sum_cell());
  return snapshot;
}

}  // namespace sluice::obs
