// Zipf: draws ranks 0..K-1 with P(rank r) proportional to 1 / (r + 1)^s — the skew of real
// rate-limit keys (a few hot tenants, a long tail). Inverse-CDF sampling from a uniform draw, so
// a seeded generator gives the same sequence everywhere.
//
// Thread safety: const methods may run concurrently.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

namespace sluice::fleet {

class Zipf {
 public:
  // `keys` >= 1, `exponent` >= 0 (0: uniform).
  Zipf(size_t keys, double exponent);

  // The probability of `rank`.
  double Probability(size_t rank) const;
  // The rank whose cumulative probability first reaches `u` in [0, 1).
  size_t RankAt(double u) const;
  size_t Draw(std::mt19937_64& rng) const {
    return RankAt(std::uniform_real_distribution<double>(0.0, 1.0)(rng));
  }
  size_t keys() const { return cdf_.size(); }

 private:
  std::vector<double> cdf_;  // cdf_[r] = P(rank <= r); the last is 1
};

}  // namespace sluice::fleet
