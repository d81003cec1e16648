#include "mesh/counter_table.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <optional>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "mesh/mesh_options.h"

namespace sluice::mesh {
namespace {

constexpr int64_t kMaxWindowLengthMs = 367LL * 24 * 3600 * 1000;  // a Gregorian year and a day
constexpr int64_t kMaxFutureMs = 60'000;  // how far ahead of our clock a peer's window may start

int64_t SaturatingAdd(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

absl::Status CheckChargeWindows(absl::Span<const WindowKey> windows) {
  if (windows.empty() || windows.size() > CounterTable::kMaxChargeWindows) {
    return absl::InvalidArgumentError("a charge or reset covers 1 to 32 windows");
  }
  for (const WindowKey& window : windows) {
    if (window.key != windows.back().key) {
      return absl::InvalidArgumentError("a charge or reset covers the windows of one key");
    }
  }
  return absl::OkStatus();
}

// Sets the item of `items` that `match` finds (appending `fresh` when none does) to fresh's
// count and version, keeping `index` — its owner's (version, entry) index — in step. Returns the
// item's count before, nullopt when appended.
template <typename Items, typename Index, typename EntryPtr, typename Match>
std::optional<int64_t> SetVersioned(Items& items, Index& index, EntryPtr entry, Match match,
                                    const typename Items::value_type& fresh) {
  auto item = std::find_if(items.begin(), items.end(), match);
  std::optional<int64_t> before;
  if (item == items.end()) {
    items.push_back(fresh);
  } else {
    before = item->count;
    index.erase({item->version, entry});
    item->count = fresh.count;
    item->version = fresh.version;
  }
  index.insert({fresh.version, entry});
  return before;
}

// Merges `update` into the item of `items` that `is_origins` finds (per-item maximum of count
// and version, through `set`), or adds it when the items other than this node's (`is_own`) are
// fewer than `cap`.
template <typename Items, typename IsOrigins, typename IsOwn, typename Set>
MergeResult MergeVersioned(const Items& items, IsOrigins is_origins, IsOwn is_own, size_t cap,
                           const SlotUpdate& update, Set set) {
  auto item = std::find_if(items.begin(), items.end(), is_origins);
  if (item == items.end()) {
    const auto own = std::count_if(items.begin(), items.end(), is_own);
    if (items.size() - static_cast<size_t>(own) >= cap) return MergeResult::kKeyFull;
    set(update.count, update.version);
  } else if (update.count <= item->count && update.version <= item->version) {
    return MergeResult::kUnchanged;
  } else {
    set(std::max(update.count, item->count), std::max(update.version, item->version));
  }
  return MergeResult::kApplied;
}

// The hash of an origin's id, compared with this node's and handed to origins_.find(key, hash),
// so an origin's id is hashed once per call.
size_t HashOf(const OriginId& origin) { return absl::Hash<OriginId>()(origin); }

bool ValidOrigin(const OriginId& origin) {
  return !origin.node_id.empty() && origin.node_id.size() <= kMaxNodeIdBytes;
}

}  // namespace

CounterTable::CounterTable(Options options)
    : options_(std::move(options)),
      self_hash_(HashOf(options_.self)),
      self_(options_.self, OriginState{}) {}

CounterTable::Origin* CounterTable::Known(const OriginId& origin, size_t hash) {
  if (IsSelf(origin, hash)) return &self_;
  auto it = origins_.find(origin, hash);
  return it == origins_.end() ? nullptr : &*it;
}

const CounterTable::Origin* CounterTable::Known(const OriginId& origin, size_t hash) const {
  if (IsSelf(origin, hash)) return &self_;
  auto it = origins_.find(origin, hash);
  return it == origins_.end() ? nullptr : &*it;
}

CounterTable::Origin* CounterTable::Hinted([[maybe_unused]] const OriginId& origin,
                                           const OriginHint& hint) const {
  if (hint.record == nullptr || hint.epoch != forget_epoch_) return nullptr;
  // A hint is filled only for other origins, and only from origins_.
  auto* known = static_cast<Origin*>(const_cast<void*>(hint.record));
  assert(known->first == origin);
  return known;
}

bool CounterTable::Holds(const Origin& origin) const {
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    if (!origin.second.by_version[IndexOf(shard)].empty()) return true;
  }
  return false;
}

bool CounterTable::IsSelf(const OriginId& origin, size_t hash) const {
  // Comparing the hashes first spares the ids' comparison for nearly every other origin.
  return hash == self_hash_ && origin == options_.self;
}

CounterTable::Shard& CounterTable::ShardFor(const std::string& key) {
  return shards_[absl::Hash<std::string>()(key) % kShards];
}

const CounterTable::Shard& CounterTable::ShardFor(const std::string& key) const {
  return shards_[absl::Hash<std::string>()(key) % kShards];
}

bool CounterTable::Expired(const WindowKey& window, int64_t now) const {
  return window.end <= now - options_.gc_grace_ms;
}

int64_t CounterTable::BaselineOf(const Counter& counter, const OriginId& of) {
  int64_t baseline = 0;
  for (const Baseline& b : counter.baselines) {
    if (b.of == of) baseline = std::max(baseline, b.count);
  }
  return baseline;
}

void CounterTable::Recount(Counter& counter) {
  int64_t total = 0;
  for (const Slot& slot : counter.slots) {
    const int64_t baseline =
        counter.baselines.empty() ? 0 : BaselineOf(counter, slot.origin->first);
    total = SaturatingAdd(total, std::max<int64_t>(0, slot.count - baseline));
  }
  counter.total = total;
}

int64_t CounterTable::Total(const WindowKey& window) const {
  const Shard& shard = ShardFor(window.key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.counters.find(window);
  return it == shard.counters.end() ? 0 : it->second.total;
}

CounterTable::Entry* CounterTable::Create(Shard& shard, const WindowKey& window) {
  if (windows_.fetch_add(1, std::memory_order_relaxed) >= options_.max_windows) {
    windows_.fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  auto [it, inserted] = shard.counters.try_emplace(window);
  Entry* entry = &*it;
  shard.by_end.insert({window.end, entry});
  return entry;
}

void CounterTable::SetSlot(Shard& shard, Entry& entry, Origin& origin, int64_t count,
                           uint64_t version) {
  Counter& counter = entry.second;
  const std::optional<int64_t> before =
      SetVersioned(counter.slots, origin.second.by_version[IndexOf(shard)], &entry,
                   [&](const Slot& s) { return s.origin == &origin; },
                   Slot{.origin = &origin, .count = count, .version = version});
  if (!before) slot_count_.fetch_add(1, std::memory_order_relaxed);
  // Without baselines the total is the plain sum, capped at the int64 maximum: below the cap it
  // is exact, so one slot's change is added to it rather than summing every slot again (a hot
  // window holds a slot per node that admitted in it).
  if (counter.baselines.empty() && counter.total != std::numeric_limits<int64_t>::max()) {
    counter.total = SaturatingAdd(counter.total - before.value_or(0), count);
  } else {
    Recount(counter);
  }
}

void CounterTable::SetBaseline(Shard& shard, Entry& entry, Origin& setter, const OriginId& of,
                               int64_t count, uint64_t version) {
  SetVersioned(entry.second.baselines, setter.second.by_version[IndexOf(shard)], &entry,
               [&](const Baseline& b) { return b.setter == &setter && b.of == of; },
               Baseline{.setter = &setter, .of = of, .count = count, .version = version});
  Recount(entry.second);
}

uint64_t CounterTable::NextOwnVersion() {
  return self_version_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

absl::StatusOr<ConsumeResult> CounterTable::Consume(const WindowKey& window, int64_t hits,
                                                    int64_t limit, bool drain) {
  ConsumeResult result;
  absl::Status status = ChargeWith(absl::MakeConstSpan(&window, 1), [&](auto totals) {
    const int64_t total = totals[0];
    result.total = total;
    if (hits <= 0) {
      result.admitted = true;
      return int64_t{0};
    }
    // total >= 0, so limit - total cannot overflow.
    result.admitted = hits <= limit - total;
    const int64_t add = result.admitted ? hits : (drain && total < limit ? limit - total : 0);
    result.total = SaturatingAdd(total, add);
    return add;
  });
  if (!status.ok()) return status;
  return result;
}

absl::Status CounterTable::ChargeWith(
    absl::Span<const WindowKey> windows,
    absl::FunctionRef<int64_t(absl::Span<const int64_t> totals)> decide) {
  if (absl::Status s = CheckChargeWindows(windows); !s.ok()) return s;
  Shard& shard = ShardFor(windows.back().key);
  absl::MutexLock lock(&shard.mu);
  absl::InlinedVector<int64_t, 4> totals;
  for (const WindowKey& window : windows) {
    auto it = shard.counters.find(window);
    totals.push_back(it == shard.counters.end() ? 0 : it->second.total);
  }
  const int64_t add = decide(totals);
  if (add <= 0) return absl::OkStatus();

  const WindowKey& charged = windows.back();
  auto it = shard.counters.find(charged);
  Entry* entry = it == shard.counters.end() ? Create(shard, charged) : &*it;
  if (entry == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("mesh counter table is full (", options_.max_windows, " windows)"));
  }
  int64_t own = 0;
  for (const Slot& slot : entry->second.slots) {
    if (slot.origin == &self_) own = slot.count;
  }
  // Taken under the shard lock: see the header on Watermark(self).
  SetSlot(shard, *entry, self_, SaturatingAdd(own, add), NextOwnVersion());
  return absl::OkStatus();
}

absl::StatusOr<size_t> CounterTable::Reset(absl::Span<const WindowKey> windows) {
  if (absl::Status s = CheckChargeWindows(windows); !s.ok()) return s;
  Shard& shard = ShardFor(windows.back().key);
  absl::MutexLock lock(&shard.mu);
  size_t raised = 0;
  for (const WindowKey& window : windows) {
    auto it = shard.counters.find(window);
    if (it == shard.counters.end()) continue;
    Entry& entry = *it;
    // A copy: SetBaseline may grow the vectors being walked.
    const absl::InlinedVector<Slot, 4> slots = entry.second.slots;
    for (const Slot& slot : slots) {
      const OriginId& of = slot.origin->first;
      if (slot.count <= BaselineOf(entry.second, of)) continue;
      // Versions taken under the shard lock: see the header on Watermark(self).
      SetBaseline(shard, entry, self_, of, slot.count, NextOwnVersion());
      ++raised;
    }
  }
  return raised;
}

MergeResult CounterTable::Merge(const OriginId& origin, const WindowKey& window, int64_t count,
                                uint64_t version, int64_t now) {
  return Merge(origin, SlotUpdate{.window = window, .count = count, .version = version}, now);
}

std::optional<MergeResult> CounterTable::Screen(const OriginId& origin, bool self,
                                                const SlotUpdate& update, int64_t now) const {
  const WindowKey& window = update.window;
  if (window.key.empty() || window.key.size() > kMaxKeyBytes || window.end <= window.start ||
      window.end - window.start > kMaxWindowLengthMs || window.start > now + kMaxFutureMs ||
      update.count < 0 || update.version == 0 || !ValidOrigin(origin) ||
      (update.baseline_of && !ValidOrigin(*update.baseline_of))) {
    return MergeResult::kInvalid;
  }
  if (self) return MergeResult::kOwn;
  if (Expired(window, now)) return MergeResult::kExpired;
  return std::nullopt;
}

MergeResult CounterTable::Merge(const OriginId& origin, const SlotUpdate& update, int64_t now) {
  const size_t hash = HashOf(origin);
  if (std::optional<MergeResult> screened = Screen(origin, IsSelf(origin, hash), update, now)) {
    return *screened;
  }
  // Held throughout, before the shard's lock: the origin cannot be forgotten meanwhile.
  absl::MutexLock lock(&origins_mu_);
  Origin* known = Known(origin, hash);
  return MergeInShard(origin, known, update);
}

uint64_t CounterTable::MergeRange(const OriginId& origin,
                                  absl::Span<const std::optional<SlotUpdate>> updates,
                                  uint64_t from, uint64_t to, int64_t now,
                                  absl::FunctionRef<void(MergeResult)> merged) {
  OriginHint hint;
  return MergeRange(origin, hint, updates, from, to, now, merged);
}

uint64_t CounterTable::MergeRange(const OriginId& origin, OriginHint& hint,
                                  absl::Span<const std::optional<SlotUpdate>> updates,
                                  uint64_t from, uint64_t to, int64_t now,
                                  absl::FunctionRef<void(MergeResult)> merged) {
  // Held throughout, before any shard's lock: the origin cannot be forgotten meanwhile.
  absl::MutexLock lock(&origins_mu_);
  bool self = false;
  Origin* known = Hinted(origin, hint);
  if (known == nullptr) {
    const size_t hash = HashOf(origin);
    self = IsSelf(origin, hash);
    if (!self) known = Known(origin, hash);
  }
  bool refused = false;
  for (const std::optional<SlotUpdate>& update : updates) {
    MergeResult result = MergeResult::kInvalid;
    if (update) {
      const std::optional<MergeResult> screened = Screen(origin, self, *update, now);
      result = screened ? *screened : MergeInShard(origin, known, *update);
    }
    refused = refused || result == MergeResult::kFull || result == MergeResult::kKeyFull;
    merged(result);
  }
  if (self) return self_version_.load(std::memory_order_acquire);
  if (known != nullptr) hint = OriginHint{.record = known, .epoch = forget_epoch_};
  const uint64_t before = known == nullptr ? 0 : known->second.watermark;
  if (refused || to < from || origin.node_id.empty()) return before;
  if (known == nullptr) {
    known = &*origins_.try_emplace(origin).first;
    hint = OriginHint{.record = known, .epoch = forget_epoch_};
  }
  ExtendWatermark(known->second.watermark, from, to);
  return before;
}

MergeResult CounterTable::MergeInShard(const OriginId& origin, Origin*& known,
                                       const SlotUpdate& update) {
  Shard& shard = ShardFor(update.window.key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.counters.find(update.window);
  // Nothing to count (or, for a baseline, to clear) in a window not known here.
  if (it == shard.counters.end() && update.count == 0) return MergeResult::kUnchanged;
  Entry* entry = it == shard.counters.end() ? Create(shard, update.window) : &*it;
  if (entry == nullptr) return MergeResult::kFull;
  const Origin* const self = &self_;
  // The origin, made known on its first applied update.
  auto known_now = [&]() -> Origin& {
    origins_mu_.AssertHeld();  // MergeVersioned calls it before returning, under the lock
    if (known == nullptr) known = &*origins_.try_emplace(origin).first;
    return *known;
  };
  Counter& counter = entry->second;
  if (!update.baseline_of) {
    return MergeVersioned(
        counter.slots, [&](const Slot& s) { return s.origin == known; },
        [&](const Slot& s) { return s.origin == self; }, options_.max_slots_per_key, update,
        [&](int64_t count, uint64_t version) {
          shard.mu.AssertHeld();
          Origin& merged = known_now();
          merged.second.max_version = std::max(merged.second.max_version, version);
          SetSlot(shard, *entry, merged, count, version);
        });
  }
  const OriginId& of = *update.baseline_of;
  return MergeVersioned(
      counter.baselines, [&](const Baseline& b) { return b.setter == known && b.of == of; },
      [&](const Baseline& b) { return b.setter == self; },
      kMaxBaselinesFactor * options_.max_slots_per_key, update,
      [&](int64_t count, uint64_t version) {
        shard.mu.AssertHeld();
        Origin& merged = known_now();
        merged.second.max_version = std::max(merged.second.max_version, version);
        SetBaseline(shard, *entry, merged, of, count, version);
      });
}

void CounterTable::AdvanceWatermark(const OriginId& origin, uint64_t from, uint64_t to) {
  const size_t hash = HashOf(origin);
  if (IsSelf(origin, hash) || origin.node_id.empty()) return;
  absl::MutexLock lock(&origins_mu_);
  auto it = origins_.find(origin, hash);
  if (it == origins_.end()) it = origins_.try_emplace(origin).first;
  ExtendWatermark(it->second.watermark, from, to);
}

uint64_t CounterTable::Watermark(const OriginId& origin, const OriginHint& hint) const {
  if (hint.record != nullptr) {
    absl::ReaderMutexLock lock(&origins_mu_);
    if (const Origin* known = Hinted(origin, hint)) return known->second.watermark;
  }
  const size_t hash = HashOf(origin);
  if (IsSelf(origin, hash)) return self_version_.load(std::memory_order_acquire);
  absl::ReaderMutexLock lock(&origins_mu_);
  auto it = origins_.find(origin, hash);
  return it == origins_.end() ? 0 : it->second.watermark;
}

uint64_t CounterTable::VisitSince(const OriginId& origin, uint64_t since,
                                  absl::FunctionRef<bool(const SlotView&)> visit,
                                  const OriginHint& hint) const {
  constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();
  if (since == kAll) return kAll;
  struct Copy {
    WindowKey window;
    int64_t count;
    uint64_t version;
    std::optional<OriginId> baseline_of;
  };
  std::vector<Copy> copies;
  // A shard with more than kVisitBatch newer slots is cut: only versions up to the lowest cut
  // are known complete, so only those are visited.
  uint64_t ceiling = kAll;
  {
    // Held while copying: `known` cannot be forgotten (and its address reused) meanwhile.
    absl::ReaderMutexLock origins_lock(&origins_mu_);
    const Origin* known = Hinted(origin, hint);
    if (known == nullptr) known = Known(origin, HashOf(origin));
    if (known == nullptr) return kAll;
    const uint64_t highest = known == &self_ ? self_version_.load(std::memory_order_acquire)
                                             : known->second.max_version;
    if (since >= highest) return kAll;  // nothing newer: the same answer without the shards
    for (const Shard& shard : shards_) {
      absl::MutexLock lock(&shard.mu);
      const auto& by_version = known->second.by_version[IndexOf(shard)];
      size_t taken = 0;
      for (auto pos = by_version.lower_bound({since + 1, nullptr}); pos != by_version.end();
           ++pos) {
        if (taken == kVisitBatch) {
          ceiling = std::min(ceiling, copies.back().version);
          break;
        }
        const auto [version, entry] = *pos;
        for (const Slot& slot : entry->second.slots) {
          if (slot.origin == known && slot.version == version) {
            copies.push_back(Copy{entry->first, slot.count, slot.version, std::nullopt});
          }
        }
        for (const Baseline& b : entry->second.baselines) {
          if (b.setter == known && b.version == version) {
            copies.push_back(Copy{entry->first, b.count, b.version, b.of});
          }
        }
        ++taken;
      }
    }
  }
  std::sort(copies.begin(), copies.end(),
            [](const Copy& a, const Copy& b) { return a.version < b.version; });
  for (const Copy& copy : copies) {
    if (copy.version > ceiling) break;
    const SlotView view{.window = copy.window,
                        .count = copy.count,
                        .version = copy.version,
                        .baseline_of = copy.baseline_of ? &*copy.baseline_of : nullptr};
    if (!visit(view)) {
      break;
    }
  }
  return ceiling;
}

size_t CounterTable::Collect(int64_t now) {
  size_t removed = 0;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    while (!shard.by_end.empty() && shard.by_end.begin()->first <= now - options_.gc_grace_ms) {
      const Entry* entry = shard.by_end.begin()->second;
      shard.by_end.erase(shard.by_end.begin());
      for (const Slot& slot : entry->second.slots) {
        slot.origin->second.by_version[IndexOf(shard)].erase({slot.version, entry});
        slot_count_.fetch_sub(1, std::memory_order_relaxed);
      }
      for (const Baseline& b : entry->second.baselines) {
        b.setter->second.by_version[IndexOf(shard)].erase({b.version, entry});
      }
      shard.counters.erase(shard.counters.find(entry->first));
      windows_.fetch_sub(1, std::memory_order_relaxed);
      ++removed;
    }
  }
  return removed;
}

bool CounterTable::HasSlots(const OriginId& origin) const {
  absl::ReaderMutexLock lock(&origins_mu_);
  const Origin* known = Known(origin, HashOf(origin));
  return known != nullptr && Holds(*known);
}

void CounterTable::ForgetOrigin(const OriginId& origin) {
  const size_t hash = HashOf(origin);
  if (IsSelf(origin, hash)) return;
  // Exclusive: no merge can give the origin a slot between the check and the erase.
  absl::MutexLock lock(&origins_mu_);
  auto it = origins_.find(origin, hash);
  if (it == origins_.end() || Holds(*it)) return;
  origins_.erase(it);
  ++forget_epoch_;
}

std::vector<OriginId> CounterTable::Origins() const {
  std::vector<OriginId> out{options_.self};
  absl::ReaderMutexLock lock(&origins_mu_);
  out.reserve(origins_.size() + 1);
  for (const auto& [id, state] : origins_) out.push_back(id);
  return out;
}

}  // namespace sluice::mesh
