#include "zipf.h"

#include <algorithm>
#include <cmath>

namespace sluice::fleet {

Zipf::Zipf(size_t keys, double exponent) : cdf_(std::max<size_t>(keys, 1)) {
  double sum = 0;
  for (size_t r = 0; r < cdf_.size(); ++r) {
    sum += 1.0 / std::pow(static_cast<double>(r + 1), exponent);
    cdf_[r] = sum;
  }
  for (double& c : cdf_) c /= sum;
  cdf_.back() = 1.0;  // no rounding gap at the top
}

double Zipf::Probability(size_t rank) const {
  if (rank >= cdf_.size()) return 0;
  return rank == 0 ? cdf_[0] : cdf_[rank] - cdf_[rank - 1];
}

size_t Zipf::RankAt(double u) const {
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  return it == cdf_.end() ? cdf_.size() - 1 : static_cast<size_t>(it - cdf_.begin());
}

}  // namespace sluice::fleet
