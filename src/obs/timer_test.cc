#include "obs/timer.h"

#include <chrono>

#include "gtest/gtest.h"

namespace sluice::obs {
namespace {

using std::chrono::milliseconds;

TEST(TimerTest, SecondsBetween) {
  const SteadyClock::time_point start{};
  EXPECT_EQ(SecondsBetween(start, start + milliseconds(1500)), 1.5);
  EXPECT_EQ(SecondsBetween(start + milliseconds(250), start), -0.25);
}

TEST(TimerTest, ObservesOnceIntoEachSink) {
  Histogram histogram({1000});
  Summary summary;
  {
    // A start one second in the past: the observation is at least 1 s.
    ScopedTimer timer(&histogram, &summary, SteadyClock::now() - std::chrono::seconds(1));
    EXPECT_GE(timer.Stop(), 1.0);
    EXPECT_EQ(timer.Stop(), 0.0);
  }  // the destructor observes nothing more
  EXPECT_EQ(histogram.Read().count(), 1u);
  EXPECT_GE(histogram.Read().sum, 1.0);
  EXPECT_EQ(summary.Read().count, 1u);
  EXPECT_GE(summary.Read().sum, 1.0);
}

TEST(TimerTest, DestructorObserves) {
  Summary summary;
  { ScopedTimer timer(nullptr, &summary); }
  EXPECT_EQ(summary.Read().count, 1u);
  EXPECT_GE(summary.Read().sum, 0.0);
}

TEST(TimerTest, CancelObservesNothing) {
  Histogram histogram({1});
  {
    ScopedTimer timer(&histogram);
    timer.Cancel();
  }
  EXPECT_EQ(histogram.Read().count(), 0u);
}

}  // namespace
}  // namespace sluice::obs
