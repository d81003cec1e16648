#include "obs/counter.h"

#include <limits>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace sluice::obs {
namespace {

TEST(CounterTest, IncrementsAreExact) {
  Counter counter;
  EXPECT_EQ(counter.Read().integer, 0u);
  counter.Increment();
  counter.Increment(41);
  EXPECT_EQ(counter.Read().integer, 42u);
  EXPECT_EQ(counter.Read().real, 0.0);
  EXPECT_EQ(counter.Value(), 42.0);
}

TEST(CounterTest, AddAccumulatesRealAmounts) {
  Counter counter;
  counter.Increment(2);
  counter.Add(0.5);
  counter.Add(0.25);
  EXPECT_EQ(counter.Read().integer, 2u);
  EXPECT_EQ(counter.Read().real, 0.75);
  EXPECT_EQ(counter.Value(), 2.75);
}

TEST(CounterTest, IgnoresNegativeAndNaN) {
  Counter counter;
  counter.Add(-1);
  counter.Add(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(counter.Value(), 0.0);
}

TEST(CounterTest, ConcurrentIncrementsAreExact) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100'000;
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < kPerThread; ++i) {
        counter.Increment();
        counter.Add(0.5);  // exactly representable, so the double total is exact too
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.Read().integer, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(counter.Read().real, kThreads * kPerThread * 0.5);
}

}  // namespace
}  // namespace sluice::obs
