#include "fleet_metrics.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::fleet {
namespace {

TEST(Percentile, NearestRank) {
  std::vector<int64_t> v;
  for (int64_t i = 100; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  EXPECT_EQ(Percentile(v, 0.50), 50);
  EXPECT_EQ(Percentile(v, 0.99), 99);
  EXPECT_EQ(Percentile(v, 1.0), 100);
  EXPECT_EQ(Percentile(v, 0.001), 1);
  EXPECT_EQ(Percentile({7}, 0.5), 7);
  EXPECT_EQ(Percentile({3, 1, 2}, 0.5), 2);
  EXPECT_EQ(Percentile({}, 0.5), 0);
}

TEST(ConvergenceTracker, ConvergesWhenTheLastNodeKnowsTheVersion) {
  ConvergenceTracker t(3);
  t.Start(0, 5, 100);
  EXPECT_TRUE(t.Pending(0));
  EXPECT_FALSE(t.Pending(1));
  t.Observe(1, 0, 4, 110);  // an older version: not yet
  t.Observe(1, 0, 5, 120);
  t.Observe(1, 0, 9, 130);  // already known there: no effect
  t.Observe(2, 1, 9, 140);  // another origin: no effect
  EXPECT_EQ(t.unconverged(), 1u);
  t.Observe(2, 0, 7, 150);
  EXPECT_EQ(t.unconverged(), 0u);
  EXPECT_FALSE(t.Pending(0));
  EXPECT_EQ(t.Durations(1000), std::vector<int64_t>{50});
}

TEST(ConvergenceTracker, UnconvergedCountsUntilTheEnd) {
  ConvergenceTracker t(2);
  t.Start(1, 3, 200);
  t.Start(1, 4, 210);
  t.Observe(0, 1, 3, 230);  // the first only
  EXPECT_EQ(t.probes(), 2u);
  EXPECT_EQ(t.unconverged(), 1u);
  EXPECT_EQ(t.Durations(500), (std::vector<int64_t>{30, 290}));
}

TEST(ConvergenceTracker, OneNodeConvergesAtOnce) {
  ConvergenceTracker t(1);
  t.Start(0, 1, 10);
  EXPECT_EQ(t.unconverged(), 0u);
  EXPECT_EQ(t.Durations(99), std::vector<int64_t>{0});
}

TEST(ConvergenceTracker, PendingOriginsAreThoseWithAnUnconvergedProbe) {
  ConvergenceTracker t(3);
  EXPECT_TRUE(t.pending_origins().empty());
  t.Start(2, 1, 10);
  t.Start(2, 2, 11);  // a second probe of the same origin: listed once
  t.Start(0, 1, 12);
  EXPECT_EQ(t.pending_origins(), (std::vector<size_t>{2, 0}));
  t.Observe(0, 2, 1, 20);
  t.Observe(1, 2, 1, 21);  // the first probe of 2 converged, its second has not
  EXPECT_EQ(t.pending_origins(), (std::vector<size_t>{2, 0}));
  t.Observe(0, 2, 2, 22);
  t.Observe(1, 2, 2, 23);
  EXPECT_EQ(t.pending_origins(), std::vector<size_t>{0});
  EXPECT_TRUE(t.Pending(0));
  EXPECT_FALSE(t.Pending(2));
  t.Observe(1, 0, 1, 24);
  t.Observe(2, 0, 1, 25);
  EXPECT_TRUE(t.pending_origins().empty());
}

TEST(OvershootTracker, WorstFullWindowInRange) {
  OvershootTracker o;
  o.Admit(1, 0, 104);      // before the range
  o.Admit(1, 1000, 100);
  o.Admit(1, 1000, 3);     // 103 in [1000, 2000)
  o.Admit(2, 1000, 101);
  o.Admit(2, 2000, 90);
  o.Admit(3, 3000, 120);   // ends at 4000 > to: not whole
  EXPECT_EQ(o.Max(100, 1000, 1000, 3500), 3);
  EXPECT_EQ(o.Saturated(100, 1000, 1000, 3500), 2u);
  EXPECT_EQ(o.Max(100, 1000, 0, 4000), 20);
  EXPECT_EQ(o.Max(200, 1000, 0, 4000), 0);
  EXPECT_EQ(o.Saturated(200, 1000, 0, 4000), 0u);
}

TEST(FleetResult, FormatsTheResultLine) {
  FleetResult r{.nodes = 10, .keys = 10000, .converge_p50_ms = 3, .converge_p99_ms = 12,
                .bytes_per_node_s = 1234.4, .state_bytes_per_node = 5678.6, .overshoot_max = 2};
  EXPECT_EQ(FormatResultLine(r),
            "nodes=10 keys=10000 converge_p50_ms=3 converge_p99_ms=12 bytes_per_node_s=1234 "
            "state_bytes_per_node=5679 overshoot_max=2");
}

TEST(FleetResult, StateEstimate) {
  EXPECT_DOUBLE_EQ(EstimateStateBytes(10, 12, 30, 5), 10 * 262.0 + 30 * 40.0 + 5 * 200.0);
  EXPECT_DOUBLE_EQ(EstimateStateBytes(0, 12, 0, 0), 0);
}

}  // namespace
}  // namespace sluice::fleet
