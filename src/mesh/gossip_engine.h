// GossipEngine: the mesh protocol as a pure state machine — counter state, members, and every
// rule for what to send when (docs/mesh.md). It never touches a socket, a thread or a clock:
// the runtime (Mesh) feeds it decoded packets and the time, and sends what it returns. That
// makes whole clusters simulable in a unit test with dropped, duplicated and reordered packets.
//
// Anti-entropy (scuttlebutt, as chitchat): every round the node sends its digest — per known
// node life: heartbeat, the highest version of its slots known here, left flag — to `fanout`
// random live peers (plus one dead node, and a seed when alone or now and then, so partitions
// heal). A digest that no longer fits one datagram (a mesh of more than a few dozen nodes) is
// replaced by a changed-only digest: this node, the lives whose watermark rose here or whose
// heartbeat passed a beat epoch (suspicion timeout / 3) in the last kListedRounds rounds, and a
// rotating slice of kSliceEntries others — so a syn costs what changed, not one entry per node
// (docs/mesh.md §9). The receiver answers with the slot updates the digest lacks and, when it lacks some
// itself, a wants list of them (a wants_only digest, not its whole digest: that would list every
// node again); the initiator answers that with what was asked. Deltas are sent in version order with
// an explicit (from, to] range so a lost datagram can never make a peer skip updates.
// Probing (above options.probe_above_lives known lives; docs/mesh.md §4 "Probing"): relaying
// every node's heartbeat costs every node O(N), so big meshes judge liveness SWIM-style instead.
// Each syn is a probe the receiver always answers; a peer that leaves kProbeAttempts probes in
// a row unanswered (re-probed every round) is suspected, and the suspicion spreads as a listed
// rumor; any heartbeat above the suspected one, or a packet from the node, refutes it, and the
// refutation spreads the same way; T of suspicion makes it dead. Heartbeats are no longer
// relayed on their own, and a life a member vouches for is a member at once.
// Push: this node's own new slot updates are also sent to every live member as soon as the
// runtime calls Push (every push_interval), which is what keeps the overshoot small. Probing
// meshes relay pushes instead (docs/mesh.md §3 "Relayed pushes"): along the ring of
// members in id order, a push goes to the members 1, 2, 4, … places on, each told the span of
// ring it covers, and each receiver passes it on the same way within its span — every member
// once, within log₂ N hops; relays wait for the next Push and go out batched, so a node sends
// and receives O(log N) datagrams per push interval instead of one per origin's push. Each
// relayed datagram is acknowledged with the receiver's next Push and sent again while no ack
// came (kRelaySends in all; then the rest of its span goes to the member after the receiver):
// a lost one would cost its receiver's whole span. So a watermark
// rise that came by relay is not listed in syns (every member gets it the same way); listed are
// gaps (a range held back), rises learned by anti-entropy and liveness news.
//
// Every packet returned fits in `body_budget` bytes (ByteSizeLong() without cluster_id), and a
// reply is capped at kMaxReplyPackets datagrams; the rest follows in later rounds.
//
// Verified addresses (docs/mesh.md): a packet is acted on only when it echoes the cookie this
// node gave its sender — a keyed hash of the sender's life and advertised mesh address, so it
// needs no state here, and only whoever receives at that address can learn it. Any other
// packet is dropped and answered at most with a Challenge carrying the cookie, sent to the
// advertised address (never to the datagram's source), no larger than kMaxAmplification times
// the packet it answers, within kChallengeBudgetBytes per round. So a forged source address
// gets nothing, a forged node never becomes a member, and replies — which go to the sender's
// verified address — cannot be aimed at a third party. A Challenge is believed only when it
// echoes this life's random token (it answers a packet this node sent); its cookie is then
// echoed to that node from now on. The member table is capped (max_members), and so are the
// slots of one key's window (max_slots_per_key).
//
// Not thread-safe: the runtime serializes every call. The CounterTable is shared: request
// threads decide on it (decision.h) while the engine gossips it, shard by shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "cluster/peer_info.h"
#include "mesh.pb.h"
#include "mesh/codec.h"
#include "mesh/counter_table.h"
#include "mesh/member_table.h"
#include "mesh/mesh_options.h"
#include "obs/counter_ref.h"
#include "obs/registry.h"

namespace sluice::mesh {

inline constexpr size_t kMaxReplyPackets = 32;
inline constexpr size_t kMaxPushPackets = 16;
// A reply to an unverified packet is at most this many times its size (QUIC allows 3).
inline constexpr size_t kMaxAmplification = 3;
// Bytes of Challenges sent per gossip round (one per address per round).
inline constexpr size_t kChallengeBudgetBytes = 8192;
// Syns sent at once to answer valid Challenges, per round (one per address per round).
inline constexpr size_t kMaxHellosPerRound = 32;
// Syns are whole digests while this node knows at most this many lives and they fit one
// datagram; else changed-only digests of at most kMaxSynParts datagrams.
inline constexpr size_t kWholeDigestMaxLives = 64;
inline constexpr size_t kMaxSynParts = 8;
// A change is listed in this node's changed-only syns for this many rounds: each node that
// learns it relays it to 2 × `fanout` peers, so news reaches all but about e^-6 of the nodes
// (rumor mongering; one round, e^-3, let an 80-node test mesh suspect live nodes); those learn
// it from the next beat epoch, a slice or a push.
inline constexpr int kListedRounds = 2;
// Lives of the rest of the digest added to each changed-only syn, in rotation: anti-entropy for
// what every listing missed.
inline constexpr size_t kSliceEntries = 16;
// Probing meshes: a peer is suspected after this many probes in a row (one per round)
// unanswered. With independent loss p per datagram a live peer is suspected with probability
// (1 - (1 - p)²)^6 per unanswered probe: 9e-7 at 5 % loss.
inline constexpr int kProbeAttempts = 6;
// Most origins waiting to be relayed (a peer cannot make this node queue more; anti-entropy
// covers what is dropped).
inline constexpr size_t kMaxRelayOrigins = 4096;
// Relayed pushes: a datagram not acknowledged within this many push intervals is sent again,
// kRelaySends times in all; then anti-entropy covers its span. At most kMaxUnackedRelays wait
// (the oldest are given up), and receivers remember the last kRecentRelays ids they merged.
inline constexpr int64_t kRelayAckPushIntervals = 2;
inline constexpr int kRelaySends = 5;
inline constexpr size_t kMaxUnackedRelays = 1024;
inline constexpr size_t kRecentRelays = 1024;
// Relay ids acknowledged to one peer per Push (more are dropped: that peer sends them again).
inline constexpr size_t kMaxAcksPerPacket = 128;
// Ranges of one origin merged here ahead of its watermark (a datagram overtook an earlier one),
// kept so the watermark jumps over them once the gap fills instead of asking for them again.
inline constexpr size_t kMaxHeldRanges = 8;

// One datagram to send.
struct Outgoing {
  std::string address;  // host:port
  std::string node_id;  // the receiver's node id when known, else empty
  wire::Packet packet;  // cluster_id unset
};

// What the engine did: monotonic counters on a Registry (obs/counter_ref.h), so the counting
// lines read `++stats_.rounds` and each count lands once in what /metrics exports
// (mesh/mesh_metrics.cc names the families) and /v1/mesh/stats reads. Copies share the counters.
struct EngineStats {
  // Registers the engine's families on `registry`, which must outlive every copy.
  explicit EngineStats(obs::Registry& registry);

  obs::CounterRef rounds;                   // gossip rounds run
  obs::CounterRef pushes;                   // push batches (a Push with news and members)
  obs::CounterRef syns_received;            // digest requests answered
  obs::CounterRef digests_received;         // digest replies answered
  obs::CounterRef deltas_received;          // delta packets applied
  obs::CounterRef leaves_received;          // leave announcements
  obs::CounterRef own_packets;              // packets from this very node (a seed naming itself)
  obs::CounterRef slots_applied;            // slot updates that raised a count
  obs::CounterRef slots_unchanged;          // duplicates and stale updates (harmless)
  obs::CounterRef slots_expired;            // updates for windows already deleted
  obs::CounterRef slots_invalid;            // malformed slot updates and origins
  obs::CounterRef slots_rejected_full;      // new windows refused because the table was full
  obs::CounterRef windows_collected;        // windows deleted after they ended
  obs::CounterRef nodes_forgotten;          // dead/left entries dropped
  obs::CounterRef challenges_sent;          // unverified packets answered with a Challenge
  obs::CounterRef challenges_withheld;      // unverified packets unanswered: small, over budget
  obs::CounterRef challenges_accepted;      // Challenges to this node's packets (cookie kept)
  obs::CounterRef sends_withheld;           // packets not sent: the receiver's cookie unknown
  obs::CounterRef members_evicted;          // unconfirmed or gone entries dropped to make room
  obs::CounterRef members_refused;          // new nodes refused: the member table is full
  obs::CounterRef slots_rejected_key_full;  // new slots refused: the key's window is full
};

// What Receive did with a packet.
struct Received {
  std::vector<Outgoing> replies;
  // Set when the packet was not acted on: kUnverified or kMembersFull.
  std::optional<DropReason> dropped;
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

  // This node's slot updates not pushed yet, to every live member (relayed in probing meshes),
  // and the relays queued since the last Push.
  std::vector<Outgoing> Push(int64_t now);
  // Own updates or relays are waiting for Push.
  bool HasUnpushed() const;
  // Relays, acks of relays or relays not acknowledged yet are waiting for Push (probing
  // meshes): the runtime schedules one, as after a local admission, when this is true after a
  // Receive.
  bool HasRelays() const { return !relays_.empty() || pending_acks_ > 0 || !unacked_.empty(); }

  // Handles one packet the codec accepted, `datagram_bytes` long; returns the replies. Replies go
  // to the sender's advertised (and verified) address, whatever the datagram's source was.
  // Takes the packet: a relayed delta's origins move on instead of being copied.
  Received Receive(wire::Packet packet, size_t datagram_bytes, int64_t now);
  // The member entry of each origin of the delta the last Receive merged, in the delta's order
  // (null: an origin skipped); empty when that packet was no delta, or one not merged (dropped,
  // or a relay already merged). Valid until the next call that changes the engine. What a packet changed, without reading the packet again (the fleet simulator's
  // convergence probes).
  absl::Span<const Member* const> merged_members() const { return delta_members_; }

  // The cookie this node gives `node` (never 0): a keyed hash of its mesh address, id and
  // incarnation. Public for tests and the fuzzer; peers learn it only from a Challenge.
  uint64_t CookieFor(const wire::NodeInfo& node) const;

  // Graceful leave: pushes what is left and announces the leave to every live peer.
  std::vector<Outgoing> Leave(int64_t now);

  // True once after each change of the member list (seen by Round).
  bool TakeMembershipChange();
  // The current members, this node included (is_self), by node id.
  std::vector<cluster::PeerInfo> Peers() const;

  // Probing meshes: the members on this node's relay ring (0: not relaying).
  size_t ring_size() const { return ring_.size(); }
  const CounterTable& counters() const { return counters_; }
  const MemberTable& members() const { return members_; }
  const EngineStats& stats() const { return stats_; }
  // Counts into `stats` (the node's, on /metrics) from now on, instead of the engine's own
  // registry. The runtime calls it once, before the first Round or Receive.
  void CountInto(const EngineStats& stats) { stats_ = stats; }
  const NodeInfo& self() const { return members_.self().info; }

 private:
  class DeltaWriter;

  bool InDigest(const Member& member, int64_t now) const;
  wire::DigestEntry EntryOf(const Member& member) const;
  // Whether this node vouches for `member` in what it sends (probing meshes: a member here).
  bool Vouches(const Member& member) const;
  // Judging liveness by probes (sticky once above probe_above_lives; the member table's mode).
  bool probing() const { return members_.judging_by_probes(); }
  // This node's full digest (every life InDigest), in parts that each fit a datagram.
  std::vector<wire::Digest> BuildDigest(int64_t now) const;
  // What a syn carries: the full digest when it fits one datagram, else BuildChangedDigest.
  std::vector<wire::Digest> BuildSyn(int64_t now, bool self_only = false) const;
  // This node, the lives listed now (NoteChange, NoteHeartbeat) and the slice of the rest that
  // starts after slice_cursor_ (changed_only; proto/mesh.proto), in at most kMaxSynParts parts;
  // with `self_only`, this node's entry alone.
  std::vector<wire::Digest> BuildChangedDigest(int64_t now, bool self_only) const;
  // Lists `id` in the changed-only syns of the next kListedRounds rounds.
  void NoteChange(const OriginId& id, int64_t now);
  // NoteChange when `member`'s heartbeat passed a beat epoch since it was last listed.
  void NoteHeartbeat(const Member& member, int64_t now);
  // Drops listings that ended and moves the slice on (once per round).
  void AgeListings(int64_t now);
  // Probing: counts a miss for each probe of the last round still unanswered, suspects the
  // peers out of attempts, and returns the others to probe again.
  std::vector<const Member*> JudgeProbes(int64_t now);
  // Liveness news of `member` from a peer's digest entry (probing meshes): a suspicion, or a
  // vouch for a life not seen alive here.
  void ApplySuspicion(Member& member, const wire::DigestEntry& entry, int64_t now);
  // The deltas a changed-only syn part lacks: only its listed lives are compared.
  std::vector<wire::Packet> AnswerChangedDigest(const wire::Digest& digest, int64_t now);
  void ApplyDigest(const wire::Digest& digest, int64_t now);
  // Probing meshes: when `syn` says its sender has fewer members than this node, the headers
  // (no slots) of the next members in rotation, vouched, in up to `max_packets` datagrams: a
  // joiner learns a big mesh in a round or two instead of rumor by rumor (slices took seconds
  // for the last few).
  std::vector<wire::Packet> CatchUp(const wire::Digest& syn, size_t max_packets);
  // The deltas a peer lacks according to its (full) digest part.
  std::vector<wire::Packet> AnswerDigest(const wire::Digest& digest, int64_t now);
  // The answer to one part of a peer's syn after the deltas it lacks: this node's own entry and
  // the lives of that part this node lacks updates of (wants_only; proto/mesh.proto). Nullopt
  // when it lacks nothing there. One datagram: what does not fit is asked next time.
  std::optional<wire::Digest> WantsDigest(const wire::Digest& syn) const;
  // The deltas a wants_only digest from `peer` asks for.
  std::vector<wire::Packet> AnswerWants(const wire::Digest& wants, const OriginId& peer,
                                        int64_t now);
  // `relayed`: a relayed push (a rise it brings is not listed; every member gets it so). Fills
  // delta_members_.
  void ApplyDelta(const wire::Delta& delta, bool relayed, int64_t now);
  // After (from, to] of `origin` was marked delivered (MergeRange; `watermark`: the origin's
  // before): the watermark rose when it reached `from`, and then rises over every held range it
  // reaches; else the range is held (kMaxHeldRanges per origin; probing meshes only, where
  // relayed pushes overtake each other). Returns the watermark after.
  uint64_t Deliver(const OriginId& origin, uint64_t watermark, uint64_t from, uint64_t to);
  // Rebuilds live_, dead_ and (probing meshes) ring_ when the member table changed since they
  // were built (at a Round): walking 1000 entries for them every round was most of a round.
  void BuildPeerLists();
  // The member `offset` places after this node on the ring (ring_ not empty).
  const Member* RingMember(size_t offset) const {
    return ring_[(ring_self_ + offset) % ring_.size()];
  }
  // Queues `delta`'s origins for the members within its relay_span after this node (the last
  // member's copy is moved, not copied), each with its entry from delta_members_.
  void QueueRelays(wire::Delta delta);
  // The queued relays and `own` (this node's push packets, relayed from here) as datagrams, each
  // with a new relay id (SendRelay).
  std::vector<Outgoing> TakeRelays(const std::vector<wire::Packet>& own, int64_t now);
  // Sends `packet` (a Delta with its relay_span set) to the member `offset` places on with a new
  // relay id, kept until acknowledged. `members`: the entry of each of its origins (null: none),
  // or empty to look them up.
  void SendRelay(size_t offset, wire::Packet packet, absl::Span<const Member* const> members,
                 int64_t now, std::vector<Outgoing>& out);
  // `member` is being dropped from the member table (MakeRoom, Forget): its counters, listing
  // and held ranges go, and what refers to its entry names it by id.
  void ForgetEntry(const Member& member);
  // Whether the relayed push `delta` from the life with `token` is new here (not a copy sent
  // again); queues its ack to `sender` either way.
  bool AckRelay(const wire::Delta& delta, const wire::NodeInfo& sender, uint64_t token);
  // Appends the relays due again (and, for those given up, the rest of their span to the next
  // member) and the queued acks.
  void ResendRelays(std::vector<Outgoing>& out, int64_t now);
  // The member `node` names when that life is known here with exactly these addresses, so
  // Admit would change nothing (the common case: no NodeInfo built, no id copied); else nullptr.
  Member* Known(const wire::NodeInfo& node);
  // Learns (or refreshes) a node, making room in a full table; nullptr when refused.
  Member* Admit(const NodeInfo& info, uint64_t heartbeat, int64_t now);
  std::string NodeIdAt(const std::string& address) const;
  // The Challenge answering an unverified `packet`, when its size and the round's budget allow.
  std::optional<Outgoing> ChallengeFor(const wire::Packet& packet, size_t datagram_bytes);
  // Keeps a valid Challenge's cookie; answers it with a Syn (a hello) unless this round's are
  // used up.
  std::vector<Outgoing> AcceptChallenge(const wire::Packet& packet, int64_t now);
  // Encoded size of `packet` (codec overhead included).
  size_t DatagramBytes(const wire::Packet& packet) const;
  // Sets this life's token, and the receiver's cookie when known, on every packet; of the
  // packets to a receiver whose cookie is not known, keeps only the first (sends_withheld).
  void Stamp(std::vector<Outgoing>& out);

  MeshOptions options_;
  size_t body_budget_;
  wire::NodeInfo self_wire_;
  std::string cookie_key_;  // keys CookieFor; options.cookie_key, or derived for tests
  uint64_t token_ = 0;      // this life's random token (never 0)
  absl::flat_hash_map<std::string, uint64_t> cookies_;  // node id -> cookie it gave us
  size_t challenge_budget_ = kChallengeBudgetBytes;     // left this round
  absl::flat_hash_set<std::string> challenged_;         // addresses challenged this round
  absl::flat_hash_set<std::string> greeted_;            // addresses sent a hello this round
  CounterTable& counters_;
  MemberTable members_;
  std::mt19937_64 rng_;
  // Changed-only syns (BuildChangedDigest): per life, until when it is listed and the heartbeat
  // it was last listed with; `listed_` holds the listed lives in the order they changed (a
  // deterministic order for the syn, which a hash map's iteration is not).
  struct Listing {
    int64_t until = 0;
    uint64_t heartbeat = 0;
    bool queued = false;  // in listed_
  };
  absl::flat_hash_map<OriginId, Listing> listings_;
  std::vector<OriginId> listed_;
  OriginId slice_cursor_;      // the slice of the next syn starts after this life
  OriginId catch_up_cursor_;   // the next CatchUp starts after this life
  uint64_t beat_epoch_ = 1;    // heartbeat rises listed: one in this many
  // Peers probed and not answered yet, with the probes they missed in a row (a handful).
  std::vector<std::pair<OriginId, int>> probes_;
  // Peers with a mesh address by id (this node excluded), alive or suspect and dead, as of the
  // last Round, and the member table's generation they were built at (BuildPeerLists).
  std::vector<const Member*> live_;
  std::vector<const Member*> dead_;
  uint64_t lists_generation_ = ~uint64_t{0};
  bool lists_probing_ = false;
  // Relayed pushes: the ring of members (suspects and this node included) by id, as of the last
  // Round (pointers stay valid until the next Round: only non-members are evicted between
  // rounds), this node's place on it, and the origins to pass on by (places on, span).
  std::vector<const Member*> ring_;
  size_t ring_self_ = 0;
  struct QueuedOrigin {
    wire::OriginDelta od;
    size_t bytes = 0;  // what it adds to a Delta (sized once, however many copies are queued)
    const Member* member = nullptr;  // the origin's entry (null: none; ForgetEntry)
  };
  // ApplyDelta's entry for each origin of the delta it applied (null: skipped), for QueueRelays
  // and merged_members(); cleared by each Receive.
  std::vector<const Member*> delta_members_;
  std::map<std::pair<size_t, uint32_t>, std::vector<QueuedOrigin>> relays_;
  size_t relay_origins_ = 0;
  // Relayed datagrams sent and not acknowledged yet, by relay id (= send order): to whom, the
  // span and the version range of each origin — not a copy of the datagram (copying every relay
  // was 11 % of a 1000-node simulation); one sent again is rebuilt from the counter table.
  struct RelayedRange {
    // The origin's entry (entries keep their address until dropped: ForgetEntry), so a relay
    // holds no copy of each origin's id (copying them was 5 % of a 1000-node simulation); null
    // when there is none, and then `origin` names it.
    const Member* member = nullptr;
    OriginId origin;
    uint64_t from = 0;
    uint64_t to = 0;
  };
  struct Unacked {
    std::string address;
    std::string node_id;
    size_t offset = 0;  // places on from this node, on the ring it was sent on
    uint32_t span = 0;
    std::vector<RelayedRange> ranges;
    int64_t sent_at = 0;
    int sends = 1;
  };
  std::map<uint64_t, Unacked> unacked_;
  // The slots of `ranges` as they are now (newer versions included), each range claimed only
  // as far as this node's watermark of that origin reaches.
  std::vector<wire::Packet> RebuildRelay(const std::vector<RelayedRange>& ranges) const;
  uint64_t relay_seq_ = 0;  // the last relay id given
  // Acks to send with the next Push, per peer node id (ordered: a deterministic send order);
  // an entry with no ids has none waiting. `pending_acks_`: the entries with ids.
  struct PendingAck {
    std::string address;
    std::vector<uint64_t> ids;
  };
  std::map<std::string, PendingAck> acks_;
  size_t pending_acks_ = 0;
  // (sender token, relay id) of the last kRecentRelays relays merged here, oldest first.
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>> recent_relays_;
  std::deque<std::pair<uint64_t, uint64_t>> recent_relay_order_;
  // Per origin, the ranges merged here ahead of its watermark (Deliver).
  absl::flat_hash_map<OriginId, std::vector<std::pair<uint64_t, uint64_t>>> held_;
  // CookieFor's HMAC, computed once per (address, id, incarnation): every packet checks one.
  // By life, searched without copying the id; the address is compared.
  struct CachedCookie {
    std::string mesh_address;
    uint64_t cookie = 0;
  };
  mutable absl::flat_hash_map<OriginId, CachedCookie, LifeHash, LifeEq> cookie_cache_;
  uint64_t pushed_ = 0;  // own versions <= this were pushed
  size_t rotation_ = 0;  // fairness among origins when a reply is capped
  bool membership_changed_ = true;
  // Counters of an engine nobody called CountInto on (tests, the fleet simulator).
  std::unique_ptr<obs::Registry> own_registry_ = std::make_unique<obs::Registry>();
  EngineStats stats_{*own_registry_};
};

}  // namespace sluice::mesh
