// A small fleet (10 nodes) end to end: the simulator forms the mesh, measures, and the figures
// lie within the bounds docs/mesh.md states for the defaults.
#include "fleet_sim.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace sluice::fleet {
namespace {

FleetOptions Small() {
  FleetOptions o;
  o.nodes = 10;
  o.keys = 1000;
  o.rate_per_s = 1000;
  o.duration_ms = 4000;
  return o;
}

TEST(FleetSim, TenNodesConvergeWithinBounds) {
  const FleetReport r = RunFleet(Small());
  EXPECT_TRUE(r.formed);
  EXPECT_LT(r.warmup_ms, 5000);
  EXPECT_GT(r.probes, 80u);  // one per 20 ms over the first 2 s
  EXPECT_EQ(r.unconverged, 0u);
  EXPECT_EQ(r.result.nodes, 10u);
  EXPECT_EQ(r.result.keys, 1000u);
  // Push on, 1–2 ms links: a push reaches everyone within one push interval plus a link.
  EXPECT_LE(r.result.converge_p50_ms, 12);
  EXPECT_LE(r.result.converge_p99_ms, 300);  // three gossip intervals, the test suite's bound
  EXPECT_GT(r.result.bytes_per_node_s, 1000);
  EXPECT_LT(r.result.bytes_per_node_s, 1'000'000);
  EXPECT_GT(r.result.state_bytes_per_node, 0);
  EXPECT_GT(r.saturated_windows, 0u);  // the hot key reached its limit: overshoot was tested
  // limit + R_key × d: the hottest key gets ≈ 13 % of 1000/s, d ≤ push interval + link ≈ 12 ms.
  EXPECT_LE(r.result.overshoot_max, 3);
  EXPECT_GT(r.requests, 3000u);
}

TEST(FleetSim, SameSeedSameResultAndTheCodecChangesNothing) {
  FleetOptions o = Small();
  o.duration_ms = 2000;
  o.link.loss = 0.05;
  const std::string a = FormatResultLine(RunFleet(o).result);
  EXPECT_EQ(FormatResultLine(RunFleet(o).result), a);
  o.codec = true;
  EXPECT_EQ(FormatResultLine(RunFleet(o).result), a);
  o.codec = false;
  o.seed = 2;
  EXPECT_NE(FormatResultLine(RunFleet(o).result), a);
}

// The same run, down to the datagram and byte counts, on 1 thread and on each of `threads`.
void ExpectTheSameRunOn(FleetOptions o, std::initializer_list<int> threads) {
  o.threads = 1;
  const FleetReport one = RunFleet(o);
  ASSERT_TRUE(one.formed);
  ASSERT_GT(one.probes, 0u);
  for (int t : threads) {
    o.threads = t;
    const FleetReport many = RunFleet(o);
    EXPECT_EQ(FormatResultLine(many.result), FormatResultLine(one.result)) << t << " threads";
    EXPECT_EQ(many.warmup_ms, one.warmup_ms) << t << " threads";
    EXPECT_EQ(many.datagrams, one.datagrams) << t << " threads";
    EXPECT_EQ(many.lost, one.lost) << t << " threads";
    EXPECT_EQ(many.push_bytes_per_node_s, one.push_bytes_per_node_s) << t << " threads";
    EXPECT_EQ(many.syn_bytes_per_node_s, one.syn_bytes_per_node_s) << t << " threads";
    EXPECT_EQ(many.reply_bytes_per_node_s, one.reply_bytes_per_node_s) << t << " threads";
    EXPECT_EQ(many.false_suspects, one.false_suspects) << t << " threads";
    EXPECT_EQ(many.false_deaths, one.false_deaths) << t << " threads";
  }
}

// The nodes of a step run in parallel, and what they send is applied in a fixed order: any
// thread count gives the same run. Loss and jitter, so that the network's random draws (taken
// in send order) would show any change of order; a probing mesh (above 16 lives), so that
// relayed pushes, which tasks schedule, are in it too.
TEST(FleetSim, TheThreadCountChangesNothing) {
  FleetOptions o = Small();
  o.nodes = 40;
  o.duration_ms = 1500;
  o.link.loss = 0.02;
  o.link.jitter_ms = 3;
  o.probe_above_lives = 16;
  ExpectTheSameRunOn(o, {2, 3});
}

// With links of 0 ms a reply may arrive within the ms it was sent: received in another wave of
// the same step, with the same result for any thread count.
TEST(FleetSim, ZeroLatencyLinksGiveTheSameResultOnAnyThreadCount) {
  FleetOptions o = Small();
  o.nodes = 20;
  o.duration_ms = 1000;
  o.link.latency_ms = 0;
  o.link.jitter_ms = 1;
  ExpectTheSameRunOn(o, {2});
}

TEST(FleetSim, LossSlowsConvergenceButEveryProbeConverges) {
  FleetOptions o = Small();
  o.link.loss = 0.05;
  const FleetReport r = RunFleet(o);
  EXPECT_TRUE(r.formed);
  EXPECT_EQ(r.unconverged, 0u);
  EXPECT_GT(r.lost, 0u);
  EXPECT_LE(r.result.converge_p99_ms, 300);
}

}  // namespace
}  // namespace sluice::fleet
