#include "obs/histogram.h"

#include <limits>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::obs {
namespace {

using ::testing::ElementsAre;

TEST(HistogramTest, ValidBounds) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(Histogram::ValidBounds(std::vector<double>{}));
  EXPECT_TRUE(Histogram::ValidBounds(std::vector<double>{-1, 0, 0.5, 10}));
  EXPECT_FALSE(Histogram::ValidBounds(std::vector<double>{1, 1}));
  EXPECT_FALSE(Histogram::ValidBounds(std::vector<double>{2, 1}));
  EXPECT_FALSE(Histogram::ValidBounds(std::vector<double>{1, inf}));
  EXPECT_FALSE(
      Histogram::ValidBounds(std::vector<double>{std::numeric_limits<double>::quiet_NaN()}));
}

TEST(HistogramTest, BucketsAreCumulativeWithLeSemantics) {
  Histogram histogram({1, 2, 5});
  for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 100.0}) histogram.Observe(v);
  const Histogram::Snapshot snapshot = histogram.Read();
  EXPECT_THAT(snapshot.bounds, ElementsAre(1, 2, 5));
  // v <= 1: {0.5, 1}; v <= 2: +{1.5, 2}; v <= 5: +{3, 5}; +Inf: +{7, 100}.
  EXPECT_THAT(snapshot.cumulative, ElementsAre(2, 4, 6, 8));
  EXPECT_EQ(snapshot.count(), 8u);
  EXPECT_EQ(snapshot.sum, 120.0);
}

TEST(HistogramTest, NoBoundsMeansOnlyInf) {
  Histogram histogram({});
  histogram.Observe(3);
  EXPECT_THAT(histogram.Read().cumulative, ElementsAre(1));
}

TEST(HistogramTest, IgnoresNaN) {
  Histogram histogram({1});
  histogram.Observe(std::numeric_limits<double>::quiet_NaN());
  histogram.Observe(-std::numeric_limits<double>::infinity());
  histogram.Observe(std::numeric_limits<double>::infinity());
  EXPECT_THAT(histogram.Read().cumulative, ElementsAre(1, 2));
}

TEST(HistogramTest, ConcurrentObservationsAreExact) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50'000;
  Histogram histogram({0.1, 1});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < kPerThread; ++i) {
        histogram.Observe(i % 2 == 0 ? 0.0625 : 2.0);  // exact binary fractions
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const Histogram::Snapshot snapshot = histogram.Read();
  constexpr uint64_t kTotal = uint64_t{kThreads} * kPerThread;
  EXPECT_THAT(snapshot.cumulative, ElementsAre(kTotal / 2, kTotal / 2, kTotal));
  EXPECT_EQ(snapshot.sum, (kTotal / 2) * 0.0625 + (kTotal / 2) * 2.0);
}

}  // namespace
}  // namespace sluice::obs
