// CounterTable: the mesh's replicated counter state — for every (key, window) a G-counter with
// one slot per origin (a node life: node id + incarnation) — plus the per-origin version
// bookkeeping that anti-entropy needs (DESIGN.md §5 "Mesh", docs/mesh.md).
//
// Invariants:
//  * Only this node's own slot is ever incremented here (Consume); other slots change only by
//    Merge, which keeps the per-slot maximum. Duplicated, reordered or repeated updates therefore
//    never double count, and merging is idempotent and commutative.
//  * Every change of an origin's slot carries a version from that origin's own counter, strictly
//    increasing per origin. For each origin the table keeps a watermark: every update of that
//    origin with a version <= watermark is known here (or belonged to a window already deleted).
//  * A window's total is the sum of all its slots, whatever the state of the origin: a dead or
//    departed node keeps counting until the window ends — unless a reset cleared it.
//  * A reset (Reset) does not lower anything: the resetting node records, for every slot of the
//    window it knows, that slot's count as a baseline, versioned like its own slot updates so it
//    travels with them. Baselines merge by per-(setter, origin) maximum, and a slot counts
//    max(0, count − the largest baseline any node set for its origin). Everything stays
//    monotone, so merging remains idempotent, commutative and never double counts, and a stale
//    slot arriving after the reset cannot bring its cleared hits back. Hits an origin counted
//    that the resetting node had not seen yet stay counted: a reset clears what it knew.
//  * A window is deleted once `end + gc_grace` has passed (Collect); updates for deleted windows
//    are ignored. So memory and gossip volume are bounded by live windows, at most max_windows.
//
// Concurrency: every method may be called from any thread. The windows are split into kShards
// shards by a hash of the key (all windows of one key share a shard), each shard owned by one
// lock (LevelDB's sharded cache is the model): decisions on keys in different shards never
// contend, and maintenance (Collect, VisitSince, HasSlots) takes one shard lock at a time, so a
// gossip round never stops every decision at once. This node's version counter is assigned
// under the shard lock of the slot it versions; whoever reads Watermark(self) and then locks a
// shard therefore finds every version up to that watermark already in place. The set of other
// origins (each id held once, with its watermark) has a lock of its own, always taken before a
// shard's: a merge holds it throughout (only gossip merges; decisions never take it), so an
// origin is forgotten only while no merge can be giving it a slot. Pure otherwise: no I/O, no
// threads, no clock — callers pass `now` (epoch ms).
//
// Memory: per window, its counter and one index entry per slot; per known origin, one record
// (its id once, its watermark and its index of versions per shard: ≈ 500 bytes). A window few
// nodes touch costs the same in a mesh of any size.
#pragma once

#include <array>
#include <atomic>
#include <compare>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace sluice::mesh {

// One life of a node. A restarted node keeps its node_id and gets a larger incarnation, so its
// slots from the previous life stay separate (and keep counting until their windows end).
struct OriginId {
  std::string node_id;
  uint64_t incarnation = 0;

  friend auto operator<=>(const OriginId&, const OriginId&) = default;
  friend bool operator==(const OriginId&, const OriginId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const OriginId& o) {
    return H::combine(std::move(h), o.node_id, o.incarnation);
  }
};

// One counting window of one key: [start, end) in epoch ms.
struct WindowKey {
  std::string key;
  int64_t start = 0;
  int64_t end = 0;

  friend bool operator==(const WindowKey&, const WindowKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const WindowKey& w) {
    return H::combine(std::move(h), w.key, w.start, w.end);
  }
};

// A read-only view of one versioned update of an origin, handed to VisitSince: its slot in
// `window` or, when `baseline_of` is set, a reset baseline it set for that origin's slot.
struct SlotView {
  const WindowKey& window;
  int64_t count;
  uint64_t version;
  const OriginId* baseline_of = nullptr;
};

// One versioned update of an origin, as Merge takes it: its own count in `window`, or (with
// `baseline_of`) the count up to which it reset `baseline_of`'s slot there.
struct SlotUpdate {
  WindowKey window;
  int64_t count = 0;
  uint64_t version = 0;
  std::optional<OriginId> baseline_of;
};

// Where an origin's record sits in a table, memoized by a caller that merges the same origin
// often (the engine keeps one per member), so its next MergeRange skips the id's hash and lookup.
// The table checks it: it goes stale once the table forgets any origin. A hint is only ever
// used with the one origin it was filled for.
struct OriginHint {
  const void* record = nullptr;
  uint64_t epoch = 0;
};

enum class MergeResult {
  kApplied,    // the slot grew (or was created)
  kUnchanged,  // nothing newer than what is known
  kExpired,    // the window has ended (plus grace): ignored
  kFull,       // a new window but the table is at max_windows: ignored
  kKeyFull,    // a new slot (baseline) but the window holds max_slots_per_key other slots
               // (kMaxBaselinesFactor × max_slots_per_key other baselines): ignored
  kInvalid,    // malformed (empty or long key, bad window, negative count, version 0)
  kOwn,        // an update of this node's own slot: ignored, this node is its only writer
};

struct ConsumeResult {
  bool admitted = false;  // false: over the limit (nothing was added unless draining)
  int64_t total = 0;      // the window's total after the call
};

class CounterTable {
 public:
  struct Options {
    OriginId self;
    size_t max_windows = 1'000'000;
    int64_t gc_grace_ms = 2000;
    // Most slots of other origins in one window (this node's own slot always fits).
    size_t max_slots_per_key = 256;
  };

  explicit CounterTable(Options options);
  CounterTable(const CounterTable&) = delete;
  CounterTable& operator=(const CounterTable&) = delete;

  // The sum of every origin's slot for `window`; 0 when untracked.
  int64_t Total(const WindowKey& window) const;

  // A local decision. With hits <= 0 it only reads. Otherwise it admits iff
  // total + hits <= limit, and then adds `hits` to this node's slot; a rejected request adds
  // nothing, except with `drain`, which raises this node's slot until the total reaches `limit`.
  // ResourceExhausted when the window is not tracked yet and the table is full.
  absl::StatusOr<ConsumeResult> Consume(const WindowKey& window, int64_t hits, int64_t limit,
                                        bool drain);

  // The general local decision, atomic per key: `decide` gets the totals of `windows` (one key,
  // so one shard lock; at most kMaxChargeWindows) and returns how many hits to add to this
  // node's slot in windows.back() (0: nothing). InvalidArgument when the windows name
  // different keys; ResourceExhausted when the charge needs a new window and the table is full.
  // `decide` runs under the shard lock: it must be short and must not call the table.
  absl::Status ChargeWith(absl::Span<const WindowKey> windows,
                          absl::FunctionRef<int64_t(absl::Span<const int64_t> totals)> decide);
  static constexpr size_t kMaxChargeWindows = 32;

  // Merges `origin`'s count for `window` at `version` (per-slot maximum).
  MergeResult Merge(const OriginId& origin, const WindowKey& window, int64_t count,
                    uint64_t version, int64_t now);
  // Merges one update of `origin`: a slot as above, or a baseline (per-(origin, baseline_of)
  // maximum of count and of version).
  MergeResult Merge(const OriginId& origin, const SlotUpdate& update, int64_t now);

  // Resets `windows` (one key; at most kMaxChargeWindows): sets this node's baseline of every
  // slot they hold to the slot's count, each under a new version of this node, so every total
  // drops to 0 here and, once gossiped, everywhere. Untracked windows are skipped. Returns how
  // many baselines were raised (0: nothing to clear). InvalidArgument as ChargeWith.
  absl::StatusOr<size_t> Reset(absl::Span<const WindowKey> windows);

  // One origin's part of a delta: merges each of `updates` as Merge does (nullopt: a malformed
  // update, kInvalid), calling `merged` with each result in order, and then — unless one was
  // refused (kFull, kKeyFull: it must be offered again) or to < from — records (from, to]
  // delivered as AdvanceWatermark does. The same as those calls one by one, with the origin
  // looked up once instead of once per update and twice more for its watermark. Returns the
  // origin's watermark before the call.
  uint64_t MergeRange(const OriginId& origin, absl::Span<const std::optional<SlotUpdate>> updates,
                      uint64_t from, uint64_t to, int64_t now,
                      absl::FunctionRef<void(MergeResult)> merged);
  // The same, with `hint` (for `origin` only) used when valid and filled once it is known.
  uint64_t MergeRange(const OriginId& origin, OriginHint& hint,
                      absl::Span<const std::optional<SlotUpdate>> updates, uint64_t from,
                      uint64_t to, int64_t now, absl::FunctionRef<void(MergeResult)> merged);

  // Records that every update of `origin` with a version in (from, to] has been delivered:
  // raises the watermark to `to` when it is already >= `from`. Ignored for this node.
  void AdvanceWatermark(const OriginId& origin, uint64_t from, uint64_t to);

  // The watermark rule: a delivered range [from, to] raises `watermark` to `to` only when it
  // starts at or below it (no gap in between). AdvanceWatermark, MergeRange and the
  // engine's Deliver (on its copy) all apply it.
  static void ExtendWatermark(uint64_t& watermark, uint64_t from, uint64_t to) {
    if (watermark >= from && to > watermark) watermark = to;
  }

  // Every update of `origin` with a version <= this is known here; 0 when the origin is unknown.
  // For this node: its latest version. `hint` (for `origin` only), when valid, spares the lookup.
  uint64_t Watermark(const OriginId& origin, const OriginHint& hint = {}) const;

  // Calls `visit` for each live slot of `origin` whose version is > `since`, in increasing
  // version order, until `visit` returns false. Visits a copy taken shard by shard (no lock is
  // held while `visit` runs); a slot changed meanwhile may be seen at its newer version, never
  // missed. At most kVisitBatch slots per shard per call: returns the version up to which every
  // slot was offered to `visit` (UINT64_MAX: all of them), the rest is for a later call.
  // `hint` as for Watermark.
  uint64_t VisitSince(const OriginId& origin, uint64_t since,
                      absl::FunctionRef<bool(const SlotView&)> visit,
                      const OriginHint& hint = {}) const;

  // Deletes every window whose end + gc_grace <= now; returns how many.
  size_t Collect(int64_t now);

  // Whether any live window holds a slot of `origin`.
  bool HasSlots(const OriginId& origin) const;
  // Drops the bookkeeping of an origin that holds no slots (no-op otherwise, or for this node).
  void ForgetOrigin(const OriginId& origin);
  // Every origin with bookkeeping here, this node included.
  std::vector<OriginId> Origins() const;

  // Tracked windows and slots, over all shards.
  size_t windows() const { return windows_.load(std::memory_order_relaxed); }
  size_t slots() const { return slot_count_.load(std::memory_order_relaxed); }
  const OriginId& self() const { return options_.self; }

  static constexpr size_t kShards = 16;
  static constexpr size_t kVisitBatch = 1024;
  // Other nodes' baselines one window may hold, per max_slots_per_key.
  static constexpr size_t kMaxBaselinesFactor = 4;

 private:
  // A known origin: a node of `origins_` (stable addresses), or `self_`. Slots and baselines
  // point to it.
  struct OriginState;
  using Origin = std::pair<const OriginId, OriginState>;
  struct Slot {
    Origin* origin;
    int64_t count;
    uint64_t version;
  };
  // `setter` reset `of`'s slot up to `count` (at `version` of the setter).
  struct Baseline {
    Origin* setter;
    OriginId of;
    int64_t count;
    uint64_t version;
  };
  struct Counter {
    absl::InlinedVector<Slot, 4> slots;
    std::vector<Baseline> baselines;  // empty unless the window was reset
    int64_t total = 0;
  };
  using Entry = std::pair<const WindowKey, Counter>;
  // One origin's slots and baselines by version, per shard: by_version[i] is guarded by
  // shards_[i].mu.
  using ByVersion = std::array<absl::btree_set<std::pair<uint64_t, const Entry*>>, kShards>;
  struct OriginState {
    uint64_t watermark = 0;  // guarded by origins_mu_; unused for this node
    // No slot or baseline of the origin has a version above this (the highest merged; guarded
    // by origins_mu_; unused for this node): VisitSince above it has nothing to visit, which
    // spares it every shard's lock (a header without slots, as catch-up sends, asks that).
    uint64_t max_version = 0;
    ByVersion by_version;
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::node_hash_map<WindowKey, Counter> counters ABSL_GUARDED_BY(mu);
    absl::btree_set<std::pair<int64_t, const Entry*>> by_end ABSL_GUARDED_BY(mu);
  };

  // Whether `origin`, whose HashOf is `hash`, is this node's life.
  bool IsSelf(const OriginId& origin, size_t hash) const;
  // `origin` (HashOf: `hash`) as known here; nullptr when it is not.
  Origin* Known(const OriginId& origin, size_t hash) ABSL_SHARED_LOCKS_REQUIRED(origins_mu_);
  const Origin* Known(const OriginId& origin, size_t hash) const
      ABSL_SHARED_LOCKS_REQUIRED(origins_mu_);
  // The record `hint` names when it is valid (never this node's), else nullptr.
  Origin* Hinted(const OriginId& origin, const OriginHint& hint) const
      ABSL_SHARED_LOCKS_REQUIRED(origins_mu_);
  // Whether any live window holds a slot or baseline of `origin`.
  bool Holds(const Origin& origin) const ABSL_SHARED_LOCKS_REQUIRED(origins_mu_);

  Shard& ShardFor(const std::string& key);
  const Shard& ShardFor(const std::string& key) const;
  bool Expired(const WindowKey& window, int64_t now) const;
  // Creates the counter for `window` unless the table holds max_windows; nullptr then.
  Entry* Create(Shard& shard, const WindowKey& window) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  size_t IndexOf(const Shard& shard) const { return static_cast<size_t>(&shard - shards_.data()); }
  // Sets `origin`'s slot in `entry` (of `shard`) to (count, version), re-indexing it; creates
  // the slot.
  void SetSlot(Shard& shard, Entry& entry, Origin& origin, int64_t count, uint64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Sets `setter`'s baseline of `of` in `entry` to (count, version), re-indexing it; creates it.
  void SetBaseline(Shard& shard, Entry& entry, Origin& setter, const OriginId& of, int64_t count,
                   uint64_t version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Merge's checks that need no lock: kInvalid, kOwn (`self`: origin is this node), kExpired;
  // nullopt when the update is to be merged.
  std::optional<MergeResult> Screen(const OriginId& origin, bool self, const SlotUpdate& update,
                                    int64_t now) const;
  // Merge's work under the locks, once `update` is valid and not this node's. `known`:
  // Known(origin), which this sets when the origin's first update is applied.
  MergeResult MergeInShard(const OriginId& origin, Origin*& known, const SlotUpdate& update)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(origins_mu_);
  // The next version of this node; call under the lock of the shard being changed.
  uint64_t NextOwnVersion();
  // The largest baseline any node set for `of` in `counter` (0: none).
  static int64_t BaselineOf(const Counter& counter, const OriginId& of);
  static void Recount(Counter& counter);

  const Options options_;
  const size_t self_hash_;  // HashOf(options_.self)
  std::array<Shard, kShards> shards_;
  std::atomic<size_t> windows_{0};
  std::atomic<size_t> slot_count_{0};
  // This node's latest version; raised only under the lock of the shard being changed.
  std::atomic<uint64_t> self_version_{0};
  Origin self_;  // its watermark is self_version_
  // The other origins; one is known here from its first applied merge or watermark. Taken
  // before any shard's lock.
  mutable absl::Mutex origins_mu_;
  absl::node_hash_map<OriginId, OriginState> origins_ ABSL_GUARDED_BY(origins_mu_);
  // Raised whenever an origin is forgotten: every OriginHint filled before is stale.
  uint64_t forget_epoch_ ABSL_GUARDED_BY(origins_mu_) = 1;
};

}  // namespace sluice::mesh
