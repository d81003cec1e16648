#include "mesh/counter_table.h"

#include <algorithm>
#include <limits>

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

CounterTable::CounterTable(Options options) : options_(std::move(options)) {
  auto [it, inserted] = origins_.try_emplace(options_.self);
  it->second.id = options_.self;
  self_ = &it->second;
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
  auto it = counters_.find(window);
  return it == counters_.end() ? 0 : it->second.total;
}

CounterTable::Entry* CounterTable::Create(const WindowKey& window) {
  auto [it, inserted] = counters_.try_emplace(window);
  Entry* entry = &*it;
  if (inserted) by_end_.insert({window.end, entry});
  return entry;
}

void CounterTable::SetSlot(Entry& entry, OriginState& origin, int64_t count, uint64_t version) {
  Counter& counter = entry.second;
  auto slot = std::find_if(counter.slots.begin(), counter.slots.end(),
                           [&](const Slot& s) { return s.origin == &origin; });
  if (slot == counter.slots.end()) {
    counter.slots.push_back(Slot{.origin = &origin, .count = count, .version = version});
    ++slot_count_;
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
  auto it = counters_.find(window);
  const int64_t total = it == counters_.end() ? 0 : it->second.total;
  if (hits <= 0) return ConsumeResult{.admitted = true, .total = total};

  // total >= 0, so limit - total cannot overflow.
  const bool admitted = hits <= limit - total;
  int64_t add = admitted ? hits : (drain && total < limit ? limit - total : 0);
  if (add == 0) return ConsumeResult{.admitted = admitted, .total = total};

  Entry* entry = nullptr;
  if (it == counters_.end()) {
    if (counters_.size() >= options_.max_windows) {
      return absl::ResourceExhaustedError(
          absl::StrCat("mesh counter table is full (", options_.max_windows, " windows)"));
    }
    entry = Create(window);
  } else {
    entry = &*it;
  }
  int64_t own = 0;
  for (const Slot& slot : entry->second.slots) {
    if (slot.origin == self_) own = slot.count;
  }
  SetSlot(*entry, *self_, SaturatingAdd(own, add), ++self_->watermark);
  return ConsumeResult{.admitted = admitted, .total = entry->second.total};
}

MergeResult CounterTable::Merge(const OriginId& origin, const WindowKey& window, int64_t count,
                                uint64_t version, int64_t now) {
  if (window.key.empty() || window.key.size() > kMaxKeyBytes || window.end <= window.start ||
      window.end - window.start > kMaxWindowLengthMs || window.start > now + kMaxFutureMs ||
      count < 0 || version == 0 || origin.node_id.empty()) {
    return MergeResult::kInvalid;
  }
  if (origin == self_->id) return MergeResult::kOwn;
  if (Expired(window, now)) return MergeResult::kExpired;

  auto it = counters_.find(window);
  if (it == counters_.end() && count == 0) return MergeResult::kUnchanged;
  auto [origin_it, origin_new] = origins_.try_emplace(origin);
  OriginState& state = origin_it->second;
  if (origin_new) state.id = origin;

  Entry* entry = nullptr;
  if (it == counters_.end()) {
    if (counters_.size() >= options_.max_windows) return MergeResult::kFull;
    entry = Create(window);
  } else {
    entry = &*it;
  }
  for (const Slot& slot : entry->second.slots) {
    if (slot.origin != &state) continue;
    if (count <= slot.count && version <= slot.version) return MergeResult::kUnchanged;
    SetSlot(*entry, state, std::max(count, slot.count), std::max(version, slot.version));
    return MergeResult::kApplied;
  }
  SetSlot(*entry, state, count, version);
  return MergeResult::kApplied;
}

void CounterTable::AdvanceWatermark(const OriginId& origin, uint64_t from, uint64_t to) {
  if (origin == self_->id || origin.node_id.empty()) return;
  auto [it, inserted] = origins_.try_emplace(origin);
  OriginState& state = it->second;
  if (inserted) state.id = origin;
  if (state.watermark >= from && to > state.watermark) state.watermark = to;
}

uint64_t CounterTable::Watermark(const OriginId& origin) const {
  auto it = origins_.find(origin);
  return it == origins_.end() ? 0 : it->second.watermark;
}

void CounterTable::VisitSince(const OriginId& origin, uint64_t since,
                              absl::FunctionRef<bool(const SlotView&)> visit) const {
  auto it = origins_.find(origin);
  if (it == origins_.end() || since == std::numeric_limits<uint64_t>::max()) return;
  const OriginState& state = it->second;
  for (auto pos = state.by_version.lower_bound({since + 1, nullptr}); pos != state.by_version.end();
       ++pos) {
    const Entry* entry = pos->second;
    for (const Slot& slot : entry->second.slots) {
      if (slot.origin != &state) continue;
      if (!visit(SlotView{.window = entry->first, .count = slot.count, .version = slot.version})) {
        return;
      }
      break;
    }
  }
}

size_t CounterTable::Collect(int64_t now) {
  size_t removed = 0;
  while (!by_end_.empty() && by_end_.begin()->first <= now - options_.gc_grace_ms) {
    const Entry* entry = by_end_.begin()->second;
    by_end_.erase(by_end_.begin());
    for (const Slot& slot : entry->second.slots) {
      slot.origin->by_version.erase({slot.version, entry});
      --slot_count_;
    }
    counters_.erase(counters_.find(entry->first));
    ++removed;
  }
  return removed;
}

bool CounterTable::HasSlots(const OriginId& origin) const {
  auto it = origins_.find(origin);
  return it != origins_.end() && !it->second.by_version.empty();
}

void CounterTable::ForgetOrigin(const OriginId& origin) {
  if (origin == self_->id) return;
  auto it = origins_.find(origin);
  if (it != origins_.end() && it->second.by_version.empty()) origins_.erase(it);
}

std::vector<OriginId> CounterTable::Origins() const {
  std::vector<OriginId> out;
  out.reserve(origins_.size());
  for (const auto& [id, state] : origins_) out.push_back(id);
  return out;
}

}  // namespace sluice::mesh
