#include "latency_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice::bench {

void LatencyStats::Merge(const LatencyStats& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  sorted_ = false;
}

double LatencyStats::Percentile(double p) const {
  if (samples_.empty()) return 0;
  if (!sorted_) {
    std::sort(samples_.begin(), samples_.end());
    sorted_ = true;
  }
  const double n = static_cast<double>(samples_.size());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * n));
  if (rank > 0) --rank;
  return samples_[std::min(rank, samples_.size() - 1)];
}

std::string LatencyStats::Report(std::string_view prefix) const {
  char buf[256];
  std::string p(prefix);
  std::snprintf(buf, sizeof(buf),
                "%s_n=%zu %s_min_us=%.0f %s_p50_us=%.0f %s_p99_us=%.0f %s_max_us=%.0f", p.c_str(),
                count(), p.c_str(), Min(), p.c_str(), Percentile(50), p.c_str(), Percentile(99),
                p.c_str(), Max());
  return buf;
}

}  // namespace sluice::bench
