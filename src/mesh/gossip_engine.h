// GossipEngine: the mesh protocol as a pure state machine — counter state, members, and every
// rule for what to send when (docs/mesh.md). It never touches a socket, a thread or a clock:
// the runtime (Mesh) feeds it decoded packets and the time, and sends what it returns. That
// makes whole clusters simulable in a unit test with dropped, duplicated and reordered packets.
//
// Anti-entropy (scuttlebutt, as chitchat): every round the node sends its digest — per known
// node life: heartbeat, the highest version of its slots known here, left flag — to `fanout`
// random live peers (plus one dead node, and a seed when alone or now and then, so partitions
// heal). The receiver answers with the slot updates the digest lacks and its own digest; the
// initiator answers that with what the receiver lacks. Deltas are sent in version order with
// an explicit (from, to] range so a lost datagram can never make a peer skip updates.
// Push: this node's own new slot updates are also sent to every live member as soon as the
// runtime calls Push (every push_interval), which is what keeps the overshoot small.
//
// Every packet returned fits in `body_budget` bytes (ByteSizeLong() without cluster_id), and a
// reply is capped at kMaxReplyPackets datagrams; the rest follows in later rounds.
//
// Not thread-safe: the runtime serializes every call. The CounterTable is shared: request
// threads decide on it (decision.h) while the engine gossips it, shard by shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cluster/peer_info.h"
#include "mesh.pb.h"
#include "mesh/counter_table.h"
#include "mesh/member_table.h"
#include "mesh/mesh_options.h"

namespace sluice::mesh {

inline constexpr size_t kMaxReplyPackets = 32;
inline constexpr size_t kMaxPushPackets = 16;

// One datagram to send.
struct Outgoing {
  std::string address;  // host:port
  std::string node_id;  // the receiver's node id when known, else empty
  wire::Packet packet;  // cluster_id unset
};

// What the engine did, for metrics and tests. Monotonic counters.
struct EngineStats {
  uint64_t rounds = 0;               // gossip rounds run
  uint64_t pushes = 0;               // push batches sent (one per Push with news and members)
  uint64_t syns_received = 0;        // digest requests answered
  uint64_t digests_received = 0;     // digest replies answered
  uint64_t deltas_received = 0;      // delta packets applied
  uint64_t leaves_received = 0;      // leave announcements
  uint64_t own_packets = 0;          // packets from this very node (a seed naming itself)
  uint64_t slots_applied = 0;        // slot updates that raised a count
  uint64_t slots_unchanged = 0;      // duplicates and stale updates (harmless)
  uint64_t slots_expired = 0;        // updates for windows already deleted
  uint64_t slots_invalid = 0;        // malformed slot updates and origins
  uint64_t slots_rejected_full = 0;  // new windows refused because the table was full
  uint64_t windows_collected = 0;    // windows deleted after they ended
  uint64_t nodes_forgotten = 0;      // dead/left entries dropped
};

// The table options that go with `options` (this node's life, capacity, GC grace).
CounterTable::Options CounterOptionsFor(const MeshOptions& options);

class GossipEngine {
 public:
  // `options.node_id` and `options.incarnation` must be set. `body_budget` is Codec's.
  // `counters` (built with CounterOptionsFor(options)) must outlive the engine.
  GossipEngine(const MeshOptions& options, size_t body_budget, int64_t now,
               CounterTable& counters);

  // One anti-entropy round: heartbeat, failure detection, window GC, digests to peers.
  std::vector<Outgoing> Round(int64_t now);

  // This node's slot updates not pushed yet, to every live member.
  std::vector<Outgoing> Push(int64_t now);
  bool HasUnpushed() const;

  // Handles one accepted packet received from `from` (host:port); returns the replies.
  std::vector<Outgoing> Receive(const wire::Packet& packet, const std::string& from, int64_t now);

  // Graceful leave: pushes what is left and announces the leave to every live peer.
  std::vector<Outgoing> Leave(int64_t now);

  // True once after each change of the member list (seen by Round).
  bool TakeMembershipChange();
  // The current members, this node included (is_self), by node id.
  std::vector<cluster::PeerInfo> Peers() const;

  const CounterTable& counters() const { return counters_; }
  const MemberTable& members() const { return members_; }
  const EngineStats& stats() const { return stats_; }
  const NodeInfo& self() const { return members_.self().info; }

 private:
  class DeltaWriter;

  bool InDigest(const Member& member, int64_t now) const;
  std::vector<wire::Digest> BuildDigest(int64_t now) const;
  void ApplyDigest(const wire::Digest& digest, int64_t now);
  // The deltas a peer lacks according to its digest part.
  std::vector<wire::Packet> AnswerDigest(const wire::Digest& digest, int64_t now);
  void ApplyDelta(const wire::Delta& delta, int64_t now);
  Member* LearnSender(const wire::NodeInfo& sender, int64_t now);
  std::string NodeIdAt(const std::string& address) const;

  MeshOptions options_;
  size_t body_budget_;
  wire::NodeInfo self_wire_;
  CounterTable& counters_;
  MemberTable members_;
  std::mt19937_64 rng_;
  uint64_t pushed_ = 0;  // own versions <= this were pushed
  size_t rotation_ = 0;  // fairness among origins when a reply is capped
  bool membership_changed_ = true;
  EngineStats stats_;
};

}  // namespace sluice::mesh
