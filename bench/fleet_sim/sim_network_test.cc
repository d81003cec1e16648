#include "sim_network.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::fleet {
namespace {

using Net = SimNetwork<int>;

std::vector<Net::Arrival> DrainUntil(Net& net, int64_t until) {
  std::vector<Net::Arrival> out;
  for (int64_t t = 0; t <= until; ++t) {
    while (auto a = net.Pop(t)) out.push_back(*a);
  }
  return out;
}

TEST(SimNetwork, FixedLatencyArrivesThenInSendOrder) {
  Net net(LinkModel{.latency_ms = 5, .jitter_ms = 0, .loss = 0}, 1);
  EXPECT_TRUE(net.Send(0, 1, 10, 100));
  EXPECT_TRUE(net.Send(2, 1, 11, 100));
  EXPECT_TRUE(net.Send(0, 2, 12, 99));
  EXPECT_EQ(net.NextAt(), 104);
  EXPECT_FALSE(net.Pop(103).has_value());
  auto a = net.Pop(104);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->payload, 12);
  EXPECT_EQ(a->at, 104);
  EXPECT_EQ(net.Pop(105)->payload, 10);  // same ms: send order
  auto b = net.Pop(105);
  EXPECT_EQ(b->payload, 11);
  EXPECT_EQ(b->from, 2u);
  EXPECT_EQ(b->to, 1u);
  EXPECT_FALSE(net.Pop(1000).has_value());
  EXPECT_EQ(net.sent(), 3u);
  EXPECT_EQ(net.lost(), 0u);
}

TEST(SimNetwork, JitterStaysInRangeAndIsSeeded) {
  Net a(LinkModel{.latency_ms = 2, .jitter_ms = 3, .loss = 0}, 7);
  Net b(LinkModel{.latency_ms = 2, .jitter_ms = 3, .loss = 0}, 7);
  std::vector<int> seen(4, 0);
  for (int i = 0; i < 1000; ++i) {
    a.Send(0, 1, i, 0);
    b.Send(0, 1, i, 0);
  }
  std::vector<Net::Arrival> xs = DrainUntil(a, 10);
  std::vector<Net::Arrival> ys = DrainUntil(b, 10);
  ASSERT_EQ(xs.size(), 1000u);
  ASSERT_EQ(ys.size(), 1000u);
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_GE(xs[i].at, 2);
    ASSERT_LE(xs[i].at, 5);
    ++seen[static_cast<size_t>(xs[i].at - 2)];
    EXPECT_EQ(xs[i].payload, ys[i].payload);  // same seed, same order
    EXPECT_EQ(xs[i].at, ys[i].at);
  }
  for (int count : seen) EXPECT_GT(count, 150);  // every delay in [2, 5] occurs (≈ 250 each)
}

TEST(SimNetwork, LossDropsTheGivenShare) {
  Net none(LinkModel{.latency_ms = 1, .jitter_ms = 0, .loss = 0}, 3);
  Net all(LinkModel{.latency_ms = 1, .jitter_ms = 0, .loss = 1}, 3);
  Net quarter(LinkModel{.latency_ms = 1, .jitter_ms = 0, .loss = 0.25}, 3);
  int delivered = 0;
  for (int i = 0; i < 10'000; ++i) {
    EXPECT_TRUE(none.Send(0, 1, i, 0));
    EXPECT_FALSE(all.Send(0, 1, i, 0));
    delivered += quarter.Send(0, 1, i, 0) ? 1 : 0;
  }
  EXPECT_EQ(all.lost(), 10'000u);
  EXPECT_EQ(all.in_flight(), 0u);
  EXPECT_EQ(none.in_flight(), 10'000u);
  EXPECT_EQ(quarter.lost() + static_cast<uint64_t>(delivered), 10'000u);
  EXPECT_NEAR(delivered, 7500, 150);  // binomial sd ≈ 43
  EXPECT_EQ(DrainUntil(quarter, 1).size(), static_cast<size_t>(delivered));
}

TEST(SimNetwork, PartitionCutsBetweenGroupsUntilHealed) {
  Net net(LinkModel{.latency_ms = 1, .jitter_ms = 0, .loss = 0}, 1);
  net.Partition({0, 0, 1, 1});  // node 4 and beyond: group 0
  EXPECT_TRUE(net.Send(0, 1, 1, 0));
  EXPECT_TRUE(net.Send(2, 3, 2, 0));
  EXPECT_FALSE(net.Send(1, 2, 3, 0));
  EXPECT_FALSE(net.Send(3, 0, 4, 0));
  EXPECT_TRUE(net.Send(4, 0, 5, 0));
  EXPECT_FALSE(net.Send(4, 2, 6, 0));
  EXPECT_EQ(net.lost(), 3u);
  net.Heal();
  EXPECT_TRUE(net.Send(1, 2, 7, 0));
  EXPECT_EQ(DrainUntil(net, 1).size(), 4u);
}

TEST(SimNetwork, LinkOverrideIsOneDirection) {
  Net net(LinkModel{.latency_ms = 1, .jitter_ms = 0, .loss = 0}, 1);
  net.SetLink(0, 1, LinkModel{.latency_ms = 50, .jitter_ms = 0, .loss = 0});
  net.SetLink(1, 2, LinkModel{.latency_ms = 1, .jitter_ms = 0, .loss = 1});
  net.Send(0, 1, 1, 0);
  net.Send(1, 0, 2, 0);
  EXPECT_FALSE(net.Send(1, 2, 3, 0));
  EXPECT_TRUE(net.Send(2, 1, 4, 0));
  std::vector<Net::Arrival> got = DrainUntil(net, 100);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].payload, 2);
  EXPECT_EQ(got[0].at, 1);
  EXPECT_EQ(got[1].payload, 4);
  EXPECT_EQ(got[2].payload, 1);
  EXPECT_EQ(got[2].at, 50);
}

}  // namespace
}  // namespace sluice::fleet
