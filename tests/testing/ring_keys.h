// KeyOwnedBy: a key that a given peer owns on the ring of a peer list, computed in-process with
// the node's own Ring. Tests that need a request forwarded to one particular peer pick their key
// with it instead of trying keys until one is: short sequential keys hash into a few clusters on
// the ring (docs/cluster.md), so for some port pairs a peer owns none of a few hundred of them.
// Header-only; the caller links sluice_cluster.
#pragma once

#include <string>
#include <vector>

#include "cluster/peer_info.h"
#include "cluster/ring.h"

namespace sluice::testing {

// The first unique_key "<prefix><n>" that, under `name`, the ring of `addresses` (with
// `options`, which must match the nodes' --peer-picker-hash and --replicated-hash-replicas) gives
// to `owner`; "" if none of the first 100,000 is or the ring cannot be built.
inline std::string KeyOwnedBy(const std::vector<std::string>& addresses, const std::string& owner,
                              const std::string& name, cluster::RingOptions options = {},
                              const std::string& prefix = "k") {
  std::vector<cluster::PeerInfo> peers;
  for (const auto& a : addresses) peers.push_back(cluster::PeerInfo{.grpc_address = a});
  auto ring = cluster::Ring::Build(peers, options);
  if (!ring.ok()) return "";
  for (int n = 0; n < 100'000; ++n) {
    std::string key = prefix + std::to_string(n);
    if (ring->Owner(name + "_" + key)->grpc_address == owner) return key;
  }
  return "";
}

}  // namespace sluice::testing
