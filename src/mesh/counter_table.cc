#include "mesh/counter_table.h"

#include <algorithm>
#include <limits>

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

}  // namespace

CounterTable::CounterTable(Options options) : options_(std::move(options)) {}

CounterTable::Shard& CounterTable::ShardFor(const std::string& key) {
  return shards_[absl::Hash<std::string>()(key) % kShards];
}

const CounterTable::Shard& CounterTable::ShardFor(const std::string& key) const {
  return shards_[absl::Hash<std::string>()(key) % kShards];
}

bool CounterTable::Expired(const WindowKey& window, int64_t now) const {
  return window.end <= now - options_.gc_grace_ms;
}

void CounterTable::Recount(Counter& counter) {
  int64_t total = 0;
  for (const Slot& slot : counter.slots) total = SaturatingAdd(total, slot.count);
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

CounterTable::OriginSlots& CounterTable::SlotsOf(Shard& shard, const OriginId& origin) {
  auto [it, inserted] = shard.origins.try_emplace(origin);
  if (inserted) it->second.id = origin;
  return it->second;
}

void CounterTable::SetSlot(Entry& entry, OriginSlots& origin, int64_t count, uint64_t version) {
  Counter& counter = entry.second;
  auto slot = std::find_if(counter.slots.begin(), counter.slots.end(),
                           [&](const Slot& s) { return s.origin == &origin; });
  if (slot == counter.slots.end()) {
    counter.slots.push_back(Slot{.origin = &origin, .count = count, .version = version});
    slot_count_.fetch_add(1, std::memory_order_relaxed);
  } else {
    origin.by_version.erase({slot->version, &entry});
    slot->count = count;
    slot->version = version;
  }
  origin.by_version.insert({version, &entry});
  Recount(counter);
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
  if (windows.empty() || windows.size() > kMaxChargeWindows) {
    return absl::InvalidArgumentError("a charge covers 1 to 32 windows");
  }
  for (const WindowKey& window : windows) {
    if (window.key != windows.back().key) {
      return absl::InvalidArgumentError("a charge covers the windows of one key");
    }
  }
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
  OriginSlots& self = SlotsOf(shard, options_.self);
  int64_t own = 0;
  for (const Slot& slot : entry->second.slots) {
    if (slot.origin == &self) own = slot.count;
  }
  // Taken under the shard lock: see the header on Watermark(self).
  const uint64_t version = self_version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  SetSlot(*entry, self, SaturatingAdd(own, add), version);
  return absl::OkStatus();
}

MergeResult CounterTable::Merge(const OriginId& origin, const WindowKey& window, int64_t count,
                                uint64_t version, int64_t now) {
  if (window.key.empty() || window.key.size() > kMaxKeyBytes || window.end <= window.start ||
      window.end - window.start > kMaxWindowLengthMs || window.start > now + kMaxFutureMs ||
      count < 0 || version == 0 || origin.node_id.empty()) {
    return MergeResult::kInvalid;
  }
  if (origin == options_.self) return MergeResult::kOwn;
  if (Expired(window, now)) return MergeResult::kExpired;

  Shard& shard = ShardFor(window.key);
  {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.counters.find(window);
    if (it == shard.counters.end() && count == 0) return MergeResult::kUnchanged;
    Entry* entry = it == shard.counters.end() ? Create(shard, window) : &*it;
    if (entry == nullptr) return MergeResult::kFull;
    auto& entry_slots = entry->second.slots;
    auto known = shard.origins.find(origin);
    auto slot = known == shard.origins.end()
                    ? entry_slots.end()
                    : std::find_if(entry_slots.begin(), entry_slots.end(),
                                   [&](const Slot& s) { return s.origin == &known->second; });
    if (slot == entry_slots.end()) {
      auto self = shard.origins.find(options_.self);
      const bool has_own =
          self != shard.origins.end() &&
          std::any_of(entry_slots.begin(), entry_slots.end(),
                      [&](const Slot& s) { return s.origin == &self->second; });
      if (entry_slots.size() - (has_own ? 1 : 0) >= options_.max_slots_per_key) {
        return MergeResult::kKeyFull;
      }
      SetSlot(*entry, SlotsOf(shard, origin), count, version);
    } else if (count <= slot->count && version <= slot->version) {
      return MergeResult::kUnchanged;
    } else {
      SetSlot(*entry, known->second, std::max(count, slot->count), std::max(version, slot->version));
    }
  }
  absl::MutexLock lock(&origins_mu_);
  watermarks_.try_emplace(origin, 0);
  return MergeResult::kApplied;
}

void CounterTable::AdvanceWatermark(const OriginId& origin, uint64_t from, uint64_t to) {
  if (origin == options_.self || origin.node_id.empty()) return;
  absl::MutexLock lock(&origins_mu_);
  uint64_t& watermark = watermarks_[origin];
  if (watermark >= from && to > watermark) watermark = to;
}

uint64_t CounterTable::Watermark(const OriginId& origin) const {
  if (origin == options_.self) return self_version_.load(std::memory_order_acquire);
  absl::MutexLock lock(&origins_mu_);
  auto it = watermarks_.find(origin);
  return it == watermarks_.end() ? 0 : it->second;
}

uint64_t CounterTable::VisitSince(const OriginId& origin, uint64_t since,
                                  absl::FunctionRef<bool(const SlotView&)> visit) const {
  constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();
  if (since == kAll) return kAll;
  struct Copy {
    WindowKey window;
    int64_t count;
    uint64_t version;
  };
  std::vector<Copy> copies;
  // A shard with more than kVisitBatch newer slots is cut: only versions up to the lowest cut
  // are known complete, so only those are visited.
  uint64_t ceiling = kAll;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.origins.find(origin);
    if (it == shard.origins.end()) continue;
    const OriginSlots& slots = it->second;
    size_t taken = 0;
    for (auto pos = slots.by_version.lower_bound({since + 1, nullptr});
         pos != slots.by_version.end(); ++pos) {
      if (taken == kVisitBatch) {
        ceiling = std::min(ceiling, copies.back().version);
        break;
      }
      const Entry* entry = pos->second;
      for (const Slot& slot : entry->second.slots) {
        if (slot.origin != &slots) continue;
        copies.push_back(Copy{entry->first, slot.count, slot.version});
        ++taken;
        break;
      }
    }
  }
  std::sort(copies.begin(), copies.end(),
            [](const Copy& a, const Copy& b) { return a.version < b.version; });
  for (const Copy& copy : copies) {
    if (copy.version > ceiling) break;
    if (!visit(SlotView{.window = copy.window, .count = copy.count, .version = copy.version})) {
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
        slot.origin->by_version.erase({slot.version, entry});
        slot_count_.fetch_sub(1, std::memory_order_relaxed);
      }
      shard.counters.erase(shard.counters.find(entry->first));
      windows_.fetch_sub(1, std::memory_order_relaxed);
      ++removed;
    }
  }
  return removed;
}

bool CounterTable::HasSlots(const OriginId& origin) const {
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.origins.find(origin);
    if (it != shard.origins.end() && !it->second.by_version.empty()) return true;
  }
  return false;
}

void CounterTable::ForgetOrigin(const OriginId& origin) {
  if (origin == options_.self || HasSlots(origin)) return;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.origins.find(origin);
    if (it != shard.origins.end() && it->second.by_version.empty()) shard.origins.erase(it);
  }
  absl::MutexLock lock(&origins_mu_);
  watermarks_.erase(origin);
}

std::vector<OriginId> CounterTable::Origins() const {
  std::vector<OriginId> out{options_.self};
  absl::MutexLock lock(&origins_mu_);
  out.reserve(watermarks_.size() + 1);
  for (const auto& [id, watermark] : watermarks_) out.push_back(id);
  return out;
}

}  // namespace sluice::mesh
