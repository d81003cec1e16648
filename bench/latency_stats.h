// LatencyStats: a summary (count, min, p50, p99, max, in microseconds) of latency samples, for
// the bench tools' one-line `key=value` reports. Percentiles are nearest-rank on the sorted
// samples. Not thread-safe: one collector per thread, then Merge().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

class LatencyStats {
 public:
  void Add(double micros) { samples_.push_back(micros); }
  void Merge(const LatencyStats& other);
  size_t count() const { return samples_.size(); }

  // Nearest-rank percentile, p in [0, 100]; 0 when there are no samples.
  double Percentile(double p) const;
  double Min() const { return Percentile(0); }
  double Max() const { return Percentile(100); }

  // "<prefix>_n=... <prefix>_min_us=... <prefix>_p50_us=... <prefix>_p99_us=...
  // <prefix>_max_us=..."
  std::string Report(std::string_view prefix) const;

 private:
  mutable std::vector<double> samples_;
  mutable bool sorted_ = false;
};

}  // namespace sluice::bench
