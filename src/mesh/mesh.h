// Mesh: one running mesh node — the GossipEngine behind a lock, a UDP socket and one I/O thread
// (Boost.Asio) that runs gossip rounds every gossip_interval, pushes this node's fresh slot
// updates every push_interval, and answers peers (docs/mesh.md).
//
// Request threads call Decide, which locks only the counter table's shard of each key (no I/O,
// no waiting on peers, never the gossip lock). The I/O thread does all socket work and runs the
// protocol under the gossip lock; datagrams are decoded and authenticated outside it. Peers
// callbacks run on the I/O thread (and inline from Subscribe), one at a time.
//
// Logging (I/O thread): each membership change (joined, suspect, dead, alive again, left,
// restarted), rejected datagrams and send failures — the last two at most once per reason every
// kFailureLogPeriodMs, with how many were not logged.
//
// Thread safety: every public method may be called from any thread. Stop (and the destructor)
// announce a graceful leave, then join the I/O thread; no callback runs after Stop returns.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/health.h"
#include "cluster/peer_info.h"
#include "core/clock.h"
#include "core/rate_limit.h"
#include "mesh/codec.h"
#include "mesh/gossip_engine.h"
#include "mesh/member_table.h"
#include "mesh/mesh_metrics.h"
#include "mesh/mesh_options.h"

namespace sluice::mesh {

// Everything the mesh counts, for the stats endpoint: a reading of its MeshMetrics (the counters
// /metrics exports) and of its tables.
struct MeshStats {
  const EngineStats* engine = nullptr;  // the protocol engine's counters (live, never null)
  uint64_t packets_sent = 0;  // datagrams handed to the socket
  uint64_t bytes_sent = 0;
  uint64_t packets_received = 0;  // datagrams read from the socket, good or bad
  uint64_t bytes_received = 0;
  std::array<uint64_t, kDropReasonCount> dropped{};  // rejected datagrams, by DropReason
  uint64_t dropped_denied = 0;                       // dropped by the test hook (SetDeniedNodes)
  uint64_t send_errors = 0;  // the socket refused a datagram (buffer full, unreachable)
  uint64_t unresolved = 0;   // not sent: the peer's host name is still being resolved
  uint64_t admitted = 0;     // local decisions under the limit
  uint64_t rejected = 0;     // local decisions over the limit
  uint64_t errors = 0;       // local decisions answered with an error item
  // Gauges, at the time of the call.
  uint64_t windows = 0;       // tracked (key, window) counters
  uint64_t slots = 0;         // per-node slots across them
  uint64_t members = 0;       // nodes counted in membership, this one included
  uint64_t suspect = 0;       // of which suspected
  uint64_t dead = 0;          // known dead lives (kept while their slots count)
  uint64_t id_conflicts = 0;  // another live process uses this node id

  uint64_t dropped_total() const;
};

// One known node life, for the stats endpoint.
struct MemberStatus {
  NodeInfo info;
  NodeState state = NodeState::kAlive;
  bool confirmed = false;
  bool member = false;
  bool self = false;
  uint64_t heartbeat = 0;
  uint64_t max_version = 0;
};

class Mesh {
 public:
  using PeersCallback = std::function<void(std::vector<cluster::PeerInfo>)>;

  // Validates `options`, fills node_id (random) and incarnation (epoch ms) when unset, binds the
  // UDP socket and starts gossiping. Fails with a message naming the setting or address.
  // `metrics` (must outlive the mesh) gets the gossip traffic and drop counters; when null, the
  // mesh counts on a registry of its own (tests, tools).
  static absl::StatusOr<std::unique_ptr<Mesh>> Start(MeshOptions options, const core::Clock& clock,
                                                     const MeshMetrics* metrics = nullptr);
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  // Answers `requests` from local state at `now`, index-aligned (decision.h).
  std::vector<core::RateLimitResponse> Decide(const std::vector<core::RateLimitRequest>& requests,
                                              int64_t now);

  // Announces the leave to live peers and stops the I/O thread. Idempotent.
  void Stop();

  // Calls `callback` now (inline) with the current members, then from the I/O thread after each
  // change, until Unsubscribe. Returns a handle for Unsubscribe.
  int Subscribe(PeersCallback callback);
  // Removes a subscription; waits for a running call of it to finish. Must not be called from a
  // callback.
  void Unsubscribe(int handle);
  std::vector<cluster::PeerInfo> Peers() const;

  MeshStats stats() const;
  // Honest health at `now` (epoch ms; mesh_health_report.h).
  cluster::HealthReport Health(int64_t now) const;
  std::vector<MemberStatus> Members() const;

  // Test hook (partition tests): drop every datagram to or from these node ids. Empty heals.
  void SetDeniedNodes(std::vector<std::string> node_ids);

  const std::string& node_id() const;
  uint64_t incarnation() const;
  const std::string& advertise_address() const;
  // The bound UDP port.
  int port() const;

 private:
  class Impl;
  explicit Mesh(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::mesh
