// Ring: Gubernator's replicated consistent hash (reference/gubernator.md §3.2), the map from a
// key's hash to the peer that owns the key. For the same peer list, options and key, Sluice and
// Gubernator pick the same owner.
//
// Each peer gets `replicas` points on a 64-bit circle: hash(decimal index + lowercase hex MD5 of
// its gRPC address) for index 0..replicas-1. A key belongs to the peer of the first point whose
// hash is >= the key's hash, wrapping past the largest point to the smallest.
//
// A Ring is an immutable snapshot built by a validating factory: a membership change builds a new
// Ring and swaps it in whole (e.g. behind std::shared_ptr<const Ring>); a Ring is never edited.
// Build puts every peer it is given on the ring; filtering by data center is the caller's job.
//
// Thread safety: all const methods may be called concurrently from any thread.
// Invariants: peer grpc_addresses are unique and non-empty; at most one peer has is_self; points
// are sorted by hash; an empty ring has no points and owns nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/fnv.h"
#include "cluster/peer_info.h"

namespace sluice::cluster {

struct RingOptions {
  // Points per peer (GUBER_REPLICATED_HASH_REPLICAS). Must be >= 1. Default: 512.
  int replicas = 512;
  // Hash for points and keys (GUBER_PEER_PICKER_HASH). Default: FNV-1, Gubernator's default.
  HashFunction hash = HashFunction::kFnv1;
};

class Ring {
 public:
  // Builds the ring for `peers` (any order; the result does not depend on it).
  // InvalidArgument if replicas < 1, a grpc_address is empty or repeated, or more than one peer
  // has is_self. Internal if MD5 is unavailable from OpenSSL.
  static absl::StatusOr<Ring> Build(std::vector<PeerInfo> peers, RingOptions options = {});

  // An empty ring: Owner() always returns nullptr.
  Ring() = default;

  // The owner of a key whose hash (with options().hash) is `key_hash`; nullptr if the ring is
  // empty. The pointer is valid as long as this Ring is alive.
  const PeerInfo* Owner(uint64_t key_hash) const;
  // Owner(HashKey(key)). `key` is the full hash key, i.e. name + "_" + unique_key.
  const PeerInfo* Owner(std::string_view key) const;

  // The key hash Owner() expects: Hash64(options().hash, key). Hash once, use for shard and owner.
  uint64_t HashKey(std::string_view key) const { return Hash64(options_.hash, key); }

  // The peers, in the order given to Build.
  const std::vector<PeerInfo>& peers() const { return peers_; }
  // The peer marked is_self, or nullptr if this node is not in the ring.
  const PeerInfo* self() const;
  // Number of peers.
  size_t size() const { return peers_.size(); }
  bool empty() const { return peers_.empty(); }
  const RingOptions& options() const { return options_; }
  // The share of the key-hash space each peer owns (the arcs ending at its points), aligned
  // with peers(); they sum to 1, and are empty for an empty ring. The status page shows them.
  std::vector<double> OwnershipShares() const;

 private:
  struct Point {
    uint64_t hash;
    size_t peer;  // index into peers_
  };

  std::vector<PeerInfo> peers_;
  std::vector<Point> points_;  // sorted by (hash, peer grpc_address)
  RingOptions options_;
};

}  // namespace sluice::cluster
