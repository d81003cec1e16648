// MeshOptions: every setting of the gossip mesh (docs/mesh.md), filled by the server from its
// Config and handed to Mesh::Start. Nothing in src/mesh reads flags or the environment.
//
// Thread safety: plain value type and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sluice::mesh {

// The largest datagram Sluice sends or accepts: fits the IPv6 minimum MTU (1280) minus headers.
inline constexpr size_t kMaxDatagramBytes = 1200;
// Size caps that guarantee one node description plus one slot always fit in a datagram: the
// longest counter key (name + "_" + unique_key; longer keys are an error item in mesh mode),
// node id, advertised address and cluster id.
inline constexpr size_t kMaxKeyBytes = 256;
inline constexpr size_t kMaxNodeIdBytes = 64;
inline constexpr size_t kMaxAddressBytes = 80;
inline constexpr size_t kMaxClusterIdBytes = 64;
// The shortest accepted shared secret.
inline constexpr size_t kMinSecretBytes = 16;

struct MeshOptions {
  // This node's id; a restarted node should keep it. Default: empty = 16 random hex digits.
  std::string node_id;
  // UDP bind address. Default: 0.0.0.0:7946.
  std::string bind_address = "0.0.0.0:7946";
  // The host:port peers send gossip to; never a wildcard. Default: none (the server derives it).
  std::string advertise_address;
  // Advertised gRPC and HTTP addresses, carried in gossip for the ring and health. Default: none.
  std::string grpc_address;
  std::string http_address;
  // Seed peers' mesh addresses (host:port); may include this node. Default: none.
  std::vector<std::string> seeds;
  // Packets carrying another cluster id are dropped. Default: "sluice".
  std::string cluster_id = "sluice";
  // Shared key for HMAC-SHA256 on every packet; empty = unauthenticated. Default: empty.
  std::string secret;
  // Gossip unsigned on a non-loopback bind address; without it (and without `secret`) such a
  // bind is refused. Default: false.
  bool insecure = false;
  // Most node lives tracked, this one included; a new node beyond it (once no unconfirmed or
  // gone entry can make room) is refused. Default: 1024.
  size_t max_members = 1024;
  // Most slots (one per node life) in one window of one key; a new one beyond it is refused and
  // re-offered later. This node's own slot always fits. Default: 256.
  size_t max_slots_per_key = 256;
  // Anti-entropy round period (digest to `fanout` random live peers). Default: 100 ms.
  int64_t gossip_interval_ms = 100;
  // Live peers contacted per round. Default: 3.
  int fanout = 3;
  // Own slot updates are pushed to every live peer at most this long after they happen;
  // 0 = no push, anti-entropy only. Default: 10 ms.
  int64_t push_interval_ms = 10;
  // No heartbeat for this long: suspect; for twice this long: dead. Default: 3 s.
  int64_t suspicion_timeout_ms = 3000;
  // A window is deleted this long after it ends (absorbs clock skew and late packets).
  // Default: 2 s.
  int64_t gc_grace_ms = 2000;
  // Most (key, window) counters tracked; a new window beyond it is an error item. Default: 1M.
  size_t max_windows = 1'000'000;
  // Above this many known node lives the engine judges liveness by probes instead of relayed
  // heartbeats (gossip_engine.h, docs/mesh.md §4 "Probing"): heartbeat relaying costs every node
  // O(N) bytes per second, probing O(1). An engine setting, not a flag (tests and the fleet
  // simulator lower it). Default: 128.
  size_t probe_above_lives = 128;
  // This life's incarnation; 0 = epoch ms at Start. Default: 0.
  uint64_t incarnation = 0;
  // Seed for peer selection; 0 = random. Default: 0.
  uint64_t rng_seed = 0;
  // Key of the address-verification cookies and of this life's token (gossip_engine.h); empty
  // = random at Start (tests: derived from node id, incarnation and rng_seed). Default: empty.
  std::string cookie_key;
};

// Checks ranges and addresses; the message names the setting. Does not check node_id emptiness
// or incarnation (Mesh::Start fills them).
absl::Status ValidateOptions(const MeshOptions& options);

// FailedPrecondition naming --mesh-secret-file and --mesh-insecure when gossip would be unsigned
// (`has_secret` false) on a bind address that is not loopback, unless `insecure`.
absl::Status CheckUnsignedBind(const std::string& bind_address, bool has_secret, bool insecure);

// Reads a shared secret from `path`: the file's bytes with trailing whitespace removed; at least
// kMinSecretBytes long.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// 16 random lower-case hex digits.
std::string RandomNodeId();

}  // namespace sluice::mesh
