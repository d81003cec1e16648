#include "ring_stats.h"

#include <gtest/gtest.h>

namespace sluice::fleet {
namespace {

cluster::Ring Build(std::vector<cluster::PeerInfo> peers) {
  auto ring = cluster::Ring::Build(std::move(peers), {.replicas = 512, .hash = cluster::HashFunction::kFnv1a});
  EXPECT_TRUE(ring.ok()) << ring.status();
  return ring.ok() ? *std::move(ring) : cluster::Ring();
}

TEST(RingStats, SyntheticNames) {
  const auto peers = SyntheticPeers(258);
  EXPECT_EQ(peers[0].grpc_address, "10.0.0.0:1051");
  EXPECT_EQ(peers[257].grpc_address, "10.0.1.1:1051");
  EXPECT_EQ(SyntheticKeys(2)[1], "requests_per_second_account-1");
  const auto random = SyntheticKeys(2, true);
  EXPECT_NE(random[0], random[1]);
  EXPECT_EQ(random[1].rfind("requests_per_second_account-", 0), 0u);
  EXPECT_EQ(random, SyntheticKeys(2, true));
}

TEST(RingStats, OneNodeOwnsEverything) {
  const auto keys = SyntheticKeys(1000);
  const cluster::Ring ring = Build(SyntheticPeers(1));
  const Spread s = OwnershipSpread(ring, keys);
  EXPECT_EQ(s.min, 1000u);
  EXPECT_EQ(s.max, 1000u);
  EXPECT_DOUBLE_EQ(s.mean, 1000);
  EXPECT_DOUBLE_EQ(s.stddev_over_mean, 0);
  const Forwarding f = ForwardFanOut(ring, keys, Zipf(1000, 1.0), 10'000, 1, 500, 1);
  EXPECT_EQ(f.forwarded_fraction, 0);
  EXPECT_EQ(f.peers_per_node_s, 0);
  EXPECT_EQ(f.items_per_batch, 0);
}

TEST(RingStats, JoinMovesOnlyToTheJoiner) {
  const auto keys = SyntheticKeys(20'000);
  auto peers = SyntheticPeers(11);
  const cluster::Ring eleven = Build(peers);
  peers.pop_back();
  const cluster::Ring ten = Build(peers);
  EXPECT_EQ(KeysMoved(ten, ten, keys).fraction, 0);
  const Moved m = KeysMoved(ten, eleven, keys);
  EXPECT_EQ(m.between_others, 0u);  // consistent hashing: nobody else trades keys
  EXPECT_GT(m.fraction, 0);
  EXPECT_LT(m.fraction, 0.2);  // ≈ 1/11, give or take the joiner's share of the circle
  const Spread s = OwnershipSpread(ten, keys);
  EXPECT_EQ(s.mean, 2000);
  EXPECT_GT(s.min, 0u);
  EXPECT_LT(s.min, 2000u);
  EXPECT_GT(s.max, 2000u);
  EXPECT_GT(s.stddev_over_mean, 0);
}

TEST(RingStats, ForwardingCountsPeersAndBatches) {
  const auto keys = SyntheticKeys(1000);
  const cluster::Ring ring = Build(SyntheticPeers(4));
  // 4 nodes, 4000 requests/s: each node sees ≈ 1000/s, forwards ≈ 3/4 of them to the 3 others.
  const Forwarding f = ForwardFanOut(ring, keys, Zipf(1000, 0.0), 4000, 2, 500, 3);
  EXPECT_GT(f.forwarded_fraction, 0.5);
  EXPECT_LT(f.forwarded_fraction, 1);
  // Every forwarding pair counts once on each side.
  EXPECT_DOUBLE_EQ(f.peers_per_node_s, f.senders_per_node_s);
  EXPECT_GE(f.peers_per_node_s, 2);
  EXPECT_EQ(f.peers_per_node_s_max, 3u);
  // ≈ 0.25 items per peer per 500 µs: almost every forwarded item is a batch of its own.
  EXPECT_GE(f.items_per_batch, 1.0);
  EXPECT_LT(f.items_per_batch, 1.3);
}

}  // namespace
}  // namespace sluice::fleet
