#include "obs/stripes.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sluice::obs {
namespace {

TEST(StripesTest, CellsStartAtZero) {
  StripedCells cells(11);
  EXPECT_EQ(cells.cells(), 11u);
  for (size_t i = 0; i < cells.cells(); ++i) {
    EXPECT_EQ(cells.Sum(i), 0u);
    EXPECT_EQ(cells.SumDouble(i), 0.0);
  }
}

TEST(StripesTest, CellsAreIndependent) {
  StripedCells cells(9);  // spans two cache lines per stripe
  cells.Add(0, 3);
  cells.Add(8, 5);
  cells.AddDouble(7, 0.25);
  cells.AddDouble(7, 0.5);
  EXPECT_EQ(cells.Sum(0), 3u);
  EXPECT_EQ(cells.Sum(1), 0u);
  EXPECT_EQ(cells.Sum(8), 5u);
  EXPECT_EQ(cells.SumDouble(7), 0.75);
}

TEST(StripesTest, ThreadsSpreadOverStripes) {
  std::vector<size_t> seen(kStripeCount, 0);
  std::vector<std::thread> threads;
  std::vector<size_t> stripe_of(kStripeCount);
  for (size_t i = 0; i < kStripeCount; ++i) {
    threads.emplace_back([&stripe_of, i] { stripe_of[i] = ThisThreadStripe(); });
  }
  for (auto& thread : threads) thread.join();
  for (size_t stripe : stripe_of) {
    ASSERT_LT(stripe, kStripeCount);
    ++seen[stripe];
  }
  // Round-robin assignment: kStripeCount consecutive new threads get distinct stripes.
  for (size_t count : seen) EXPECT_EQ(count, 1u);
}

TEST(StripesTest, StripeIsStablePerThread) {
  const size_t first = ThisThreadStripe();
  EXPECT_EQ(ThisThreadStripe(), first);
}

}  // namespace
}  // namespace sluice::obs
