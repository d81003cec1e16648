#include "zipf.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace sluice::fleet {
namespace {

TEST(Zipf, ProbabilitiesFollowTheExponent) {
  Zipf z(4, 1.0);  // weights 1, 1/2, 1/3, 1/4; sum 25/12
  EXPECT_NEAR(z.Probability(0), 12.0 / 25, 1e-12);
  EXPECT_NEAR(z.Probability(1), 6.0 / 25, 1e-12);
  EXPECT_NEAR(z.Probability(3), 3.0 / 25, 1e-12);
  EXPECT_EQ(z.Probability(4), 0);
  EXPECT_EQ(z.RankAt(0.0), 0u);
  EXPECT_EQ(z.RankAt(0.47), 0u);
  EXPECT_EQ(z.RankAt(0.4801), 1u);  // the cdf is 0.48 at rank 0
  EXPECT_EQ(z.RankAt(0.999), 3u);
}

TEST(Zipf, ExponentZeroIsUniform) {
  Zipf z(4, 0.0);
  EXPECT_EQ(z.RankAt(0.1), 0u);
  EXPECT_EQ(z.RankAt(0.5), 2u);
  EXPECT_EQ(z.RankAt(0.74), 2u);
  EXPECT_EQ(z.RankAt(0.75), 3u);
}

TEST(Zipf, DrawsMatchProbabilities) {
  Zipf z(10'000, 1.0);
  std::mt19937_64 rng(5);
  std::vector<int> counts(3, 0);
  constexpr int kDraws = 200'000;
  for (int i = 0; i < kDraws; ++i) {
    const size_t r = z.Draw(rng);
    ASSERT_LT(r, 10'000u);
    if (r < 3) ++counts[r];
  }
  for (size_t r = 0; r < 3; ++r) {
    EXPECT_NEAR(counts[r] / double{kDraws}, z.Probability(r), 0.005) << r;
  }
}

}  // namespace
}  // namespace sluice::fleet
