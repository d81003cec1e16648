// Ring statistics: cluster mode (src/cluster/ring) at fleet scale — how evenly the consistent
// hash spreads keys, how many keys move when one node joins or leaves, and how many peers one
// node forwards to (docs/cluster.md "At fleet scale", issue 23). Pure functions over a Ring built
// from N synthetic peers; no network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/ring.h"
#include "zipf.h"

namespace sluice::fleet {

// N peers "10.<i/65536>.<i/256%256>.<i%256>:1051" (as pods' addresses), in index order.
std::vector<cluster::PeerInfo> SyntheticPeers(size_t nodes);
// K keys as the doors build them (name + "_" + unique_key): "requests_per_second_account-<i>",
// or with `random_ids` "…-<16 hex digits>" (a hash of i): FNV places keys that differ only in
// their last bytes next to each other on the circle, so sequential ids clump (docs/cluster.md).
std::vector<std::string> SyntheticKeys(size_t keys, bool random_ids = false);

// Keys owned per node.
struct Spread {
  double mean = 0;
  size_t min = 0;
  size_t max = 0;
  double stddev_over_mean = 0;  // coefficient of variation
};
Spread OwnershipSpread(const cluster::Ring& ring, const std::vector<std::string>& keys);

// The keys whose owner differs between `before` and `after`, as a fraction of all keys, and how
// many of them moved between two nodes that are both in both rings (0 for consistent hashing:
// only the joining or leaving node gains or loses keys).
struct Moved {
  double fraction = 0;
  size_t between_others = 0;
};
Moved KeysMoved(const cluster::Ring& before, const cluster::Ring& after,
                const std::vector<std::string>& keys);

// Forwarding: `rate_per_s` requests over the fleet for `seconds`, each at a uniformly random
// node with a Zipf-drawn key; a request for a key owned elsewhere is forwarded, batched per owner
// over `batch_wait_us` (GUBER_BATCH_WAIT: a batch is what one peer client sends per wait).
struct Forwarding {
  double forwarded_fraction = 0;      // of all requests
  double peers_per_node_s = 0;        // distinct owners a node forwards to per second (mean)
  size_t peers_per_node_s_max = 0;
  double senders_per_node_s = 0;      // fan-in: distinct nodes forwarding to a node per second
  size_t senders_per_node_s_max = 0;
  double items_per_batch = 0;         // mean forwarded requests per (peer, batch wait)
};
Forwarding ForwardFanOut(const cluster::Ring& ring, const std::vector<std::string>& keys,
                         const Zipf& zipf, double rate_per_s, int64_t seconds,
                         int64_t batch_wait_us, uint64_t seed);

}  // namespace sluice::fleet
