#include "obs/summary.h"

#include <limits>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sluice::obs {
namespace {

TEST(SummaryTest, CountsAndSums) {
  Summary summary;
  summary.Observe(0.25);
  summary.Observe(1.5);
  summary.Observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(summary.Read().count, 2u);
  EXPECT_EQ(summary.Read().sum, 1.75);
}

TEST(SummaryTest, ConcurrentObservationsAreExact) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50'000;
  Summary summary;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&summary] {
      for (int i = 0; i < kPerThread; ++i) summary.Observe(0.5);
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(summary.Read().count, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(summary.Read().sum, kThreads * kPerThread * 0.5);
}

}  // namespace
}  // namespace sluice::obs
