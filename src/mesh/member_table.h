// MemberTable: this node's view of the mesh's nodes and the failure detector that judges them.
//
// Each entry is one node life (OriginId: node id + incarnation) with its advertised addresses,
// its heartbeat (a counter the node raises every gossip round, spread by gossip) and a state:
//
//   heartbeat rose or direct packet        no news for T          no news for 2T
//   ─────────────────────────────► ALIVE ────────────────► SUSPECT ─────────────► DEAD
//                                    ▲                                              │
//                                    └──────────── heartbeat rises again ───────────┘
//   LEFT        announced a graceful leave (sticky for that incarnation)
//   SUPERSEDED  a later incarnation of the same node id is known (sticky)
//
// T is the suspicion timeout. Heartbeats travel through any peer, so a node one peer cannot
// reach directly stays alive while others hear from it, and one lost packet never evicts
// anybody: eviction takes 2T of silence from the whole mesh. A member (what Membership reports)
// is confirmed — seen alive since it was learned — and ALIVE or SUSPECT; a node learned second
// hand that never shows a rising heartbeat is gossiped to but never becomes a member.
//
// Judged by probes (JudgeByProbes; big meshes, docs/mesh.md §4 "Probing"): silence no longer
// matters, since heartbeats are no longer relayed by everyone. A life is ALIVE until suspected
// (Suspect: this node's probes went unanswered, or a peer's suspicion arrived), SUSPECT for T
// after that and DEAD after T of suspicion; any heartbeat above the suspected one, or a packet
// from the node itself, refutes the suspicion. A member may also be vouched for (Vouch): a peer
// that has seen it alive says so, which confirms it at once.
//
// Pure: no I/O, no threads, no clock — callers pass `now` (ms). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "mesh/counter_table.h"

namespace sluice::mesh {

struct NodeInfo {
  OriginId id;
  std::string mesh_address;  // host:port peers gossip to
  std::string grpc_address;  // host:port of its gRPC doors
  std::string http_address;  // host:port of its HTTP gateway, or empty

  friend bool operator==(const NodeInfo&, const NodeInfo&) = default;
};

// One life named by borrowed fields (a wire message's node id and incarnation), so a lookup
// copies no id: a 16-character node id does not fit std::string's inline buffer, and Find runs
// for every digest entry and delta received.
struct OriginRef {
  std::string_view node_id;
  uint64_t incarnation = 0;
};

// Hash and equality for maps keyed by OriginId that are also searched by OriginRef.
struct LifeHash {
  using is_transparent = void;
  size_t operator()(OriginRef id) const { return absl::HashOf(id.node_id, id.incarnation); }
  size_t operator()(const OriginId& id) const {
    return (*this)(OriginRef{id.node_id, id.incarnation});
  }
};
struct LifeEq {
  using is_transparent = void;
  static OriginRef Ref(const OriginId& id) { return OriginRef{id.node_id, id.incarnation}; }
  static OriginRef Ref(OriginRef id) { return id; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return Ref(a).incarnation == Ref(b).incarnation && Ref(a).node_id == Ref(b).node_id;
  }
};

enum class NodeState { kAlive, kSuspect, kDead, kLeft, kSuperseded };

// "alive", "suspect", "dead", "left", "superseded".
const char* NodeStateName(NodeState state);

struct Member {
  NodeInfo info;
  uint64_t heartbeat = 0;
  int64_t last_heard = 0;  // when the heartbeat last rose or the node last wrote to us
  bool confirmed = false;  // seen alive since learned
  bool left = false;
  bool superseded = false;
  NodeState state = NodeState::kAlive;  // as of the last Tick
  int64_t state_since = 0;              // when `state` began
  bool listed = false;                  // a member as of the last Tick
  // Judged by probes: suspected at `suspected_heartbeat` since `suspected_since`.
  bool suspected = false;
  uint64_t suspected_heartbeat = 0;
  int64_t suspected_since = 0;
  // Where this life's counters are in the engine's CounterTable (the engine's memo).
  OriginHint counters;
  // The cookie the engine gives this life at its mesh address (the engine's memo; 0: not
  // computed yet). Learn clears it when the address changes.
  uint64_t cookie = 0;
};

class MemberTable {
 public:
  struct Options {
    int64_t suspicion_timeout_ms = 3000;
    // Dead, left or superseded entries are dropped this long after entering that state (when
    // the caller no longer needs them).
    int64_t forget_after_ms = 30'000;
    // Most entries, this node's included (Learn refuses more; MakeRoom frees one).
    size_t max_members = 1024;
  };

  struct Room {
    bool fits = false;                // a new entry can be learned now
    std::optional<OriginId> evicted;  // the entry dropped to make room, if any
  };

  MemberTable(NodeInfo self, Options options, int64_t now);
  MemberTable(const MemberTable&) = delete;
  MemberTable& operator=(const MemberTable&) = delete;

  // Learns a node (unconfirmed, heartbeat `heartbeat`) or refreshes its addresses. Returns
  // nullptr for this node's own life, for an empty node id, and for a new node while the table
  // holds max_members entries.
  Member* Learn(const NodeInfo& info, uint64_t heartbeat, int64_t now);
  Member* Find(const OriginId& id);
  const Member* Find(const OriginId& id) const;
  Member* Find(OriginRef id);
  const Member* Find(OriginRef id) const;

  // Room for one more entry: at once below max_members, else by dropping the entry that has been
  // unconfirmed, dead, left or superseded the longest and for which `keep` is false. Confirmed
  // live members are never dropped.
  Room MakeRoom(absl::FunctionRef<bool(const OriginId&)> keep);
  size_t size() const { return members_.size(); }
  // Called with each entry MakeRoom or Forget drops, just before it goes. An entry keeps its
  // address until then, so a caller may hold pointers to entries and let go of them here.
  void OnDrop(std::function<void(const Member&)> dropping) { on_drop_ = std::move(dropping); }

  // Heartbeat evidence: a value above the known one means the node was alive just now. True when
  // it refuted a suspicion (news worth relaying).
  bool ObserveHeartbeat(Member& member, uint64_t heartbeat, int64_t now);
  // A packet from the node itself. True when it refuted a suspicion.
  bool ObserveContact(Member& member, int64_t now);

  // From now on, judges lives by suspicion instead of silence (sticky; see the header).
  void JudgeByProbes() { by_probes_ = true; }
  bool judging_by_probes() const { return by_probes_; }
  // Suspects a confirmed live `member` whose heartbeat was `heartbeat` when the suspicion began
  // (a suspicion older than the known heartbeat is stale). True when it is newly suspected.
  bool Suspect(Member& member, uint64_t heartbeat, int64_t now);
  // A peer has seen `member` alive: it is confirmed (a member) at once.
  void Vouch(Member& member, int64_t now);
  void MarkLeft(Member& member);

  // Raises this node's own heartbeat (once per gossip round).
  void Beat() { ++self_->heartbeat; }
  // Marks this node as leaving (sent in its digests from now on).
  void LeaveSelf() { self_->left = true; }

  // Recomputes every state at `now`. True when the member list (ids and addresses) changed.
  bool Tick(int64_t now);
  // Changes whenever an entry is added or dropped, changes its mesh or gRPC address, or changes
  // its state or its membership at a Tick: lists derived from the entries' addresses, states and
  // `listed` flags (the engine's peers and relay ring) need rebuilding only then.
  uint64_t generation() const { return generation_; }
  // Members (IsMember, this node included) as of the last Tick.
  size_t member_count() const { return member_count_; }

  // Drops dead, left and superseded entries older than forget_after for which `keep` is false.
  std::vector<OriginId> Forget(int64_t now, absl::FunctionRef<bool(const OriginId&)> keep);

  // Whether `member` counts in membership (self always does, until it leaves).
  bool IsMember(const Member& member) const;

  const Member& self() const { return *self_; }
  const std::map<OriginId, Member>& entries() const { return members_; }
  // Times another life of this node's id with a larger incarnation was seen (a duplicate id).
  uint64_t id_conflicts() const { return id_conflicts_; }

 private:
  NodeState StateAt(const Member& member, int64_t now) const;
  // Dead, left or superseded.
  static bool Gone(NodeState state);

  Options options_;
  std::map<OriginId, Member> members_;  // ordered by (node id, incarnation): digest ranges
  // The same entries by id: Find runs for every digest entry received, and a map lookup compared
  // ~log2(N) node ids (most of a 1000-node simulation's time).
  absl::flat_hash_map<OriginId, Member*, LifeHash, LifeEq> index_;
  // The entries in id order for Tick's walk, rebuilt when one was added or dropped.
  std::vector<Member*> order_;
  bool order_dirty_ = true;
  Member* self_;
  // The member list changed since the last Tick in a way Tick cannot see: a member's gRPC
  // address, or a member dropped. (Tick compares each entry's `listed` instead of copying and
  // comparing the whole list: that was O(N) string copies per round.)
  bool list_dirty_ = false;
  uint64_t generation_ = 0;
  // No dead, left or superseded entry has been in that state since before this (the maximum:
  // there is none), so Forget can tell without a walk that nothing is old enough to drop.
  int64_t oldest_gone_since_ = std::numeric_limits<int64_t>::max();
  bool by_probes_ = false;
  std::function<void(const Member&)> on_drop_;
  size_t member_count_ = 1;
  uint64_t id_conflicts_ = 0;
};

}  // namespace sluice::mesh
