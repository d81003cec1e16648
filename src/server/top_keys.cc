#include "server/top_keys.h"

#include <algorithm>
#include <atomic>
#include <limits>

namespace sluice::server {

void SpaceSaving::Add(std::string_view key, uint64_t n) { Add(key, Counter{.count = n}); }

void SpaceSaving::Add(std::string_view key, Counter c) {
  if (capacity_ == 0 || c.count == 0) return;
  if (auto it = counters_.find(absl::string_view(key.data(), key.size()));
      it != counters_.end()) {
    it->second.count += c.count;
    it->second.error += c.error;
    return;
  }
  if (counters_.size() >= capacity_) {
    // The smallest counter gives its place (and its count, as the newcomer's possible past).
    auto smallest = std::min_element(
        counters_.begin(), counters_.end(),
        [](const auto& a, const auto& b) { return a.second.count < b.second.count; });
    c.count += smallest->second.count;
    c.error += smallest->second.count;
    counters_.erase(smallest);
  }
  counters_.emplace(std::string(key), c);
}

void SpaceSaving::Merge(const SpaceSaving& other) {
  for (const auto& [key, c] : other.counters_) Add(key, c);
}

std::vector<KeyCount> SpaceSaving::Top(size_t k) const {
  std::vector<KeyCount> out;
  out.reserve(counters_.size());
  for (const auto& [key, c] : counters_) {
    out.push_back(KeyCount{.key = key, .count = c.count, .error = c.error});
  }
  auto larger = [](const KeyCount& a, const KeyCount& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  };
  if (out.size() > k) {
    std::partial_sort(out.begin(), out.begin() + static_cast<ptrdiff_t>(k), out.end(), larger);
    out.resize(k);
  } else {
    std::sort(out.begin(), out.end(), larger);
  }
  return out;
}

struct TopKeys::Shard {
  explicit Shard(size_t capacity)
      : hits(capacity), rejections(capacity), previous_hits(capacity),
        previous_rejections(capacity) {}

  // Moves the halves on to `half` (the half-window index of now).
  void Rotate(int64_t to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (to <= half) return;  // same half, or a clock that stepped back: stay
    if (to == half + 1) {
      std::swap(previous_hits, hits);
      std::swap(previous_rejections, rejections);
    } else {
      previous_hits.Clear();
      previous_rejections.Clear();
    }
    hits.Clear();
    rejections.Clear();
    half = to;
  }

  absl::Mutex mu;
  int64_t half ABSL_GUARDED_BY(mu) = std::numeric_limits<int64_t>::min() / 2;
  SpaceSaving hits ABSL_GUARDED_BY(mu);
  SpaceSaving rejections ABSL_GUARDED_BY(mu);
  SpaceSaving previous_hits ABSL_GUARDED_BY(mu);
  SpaceSaving previous_rejections ABSL_GUARDED_BY(mu);
  std::atomic<uint64_t> dropped{0};
};

TopKeys::TopKeys(TopKeysOptions options)
    : options_(options),
      half_ms_(std::max<int64_t>(1, absl::ToInt64Milliseconds(options.window) / 2)) {
  for (size_t i = 0; i < std::max<size_t>(1, options_.shards); ++i) {
    shards_.push_back(std::make_unique<Shard>(options_.capacity));
  }
}

TopKeys::~TopKeys() = default;

void TopKeys::Record(std::string_view key, uint64_t hits, bool rejected, int64_t now) {
  // Each thread starts at its own shard, so request threads rarely contend.
  static std::atomic<size_t> next_slot{0};
  thread_local const size_t slot = next_slot.fetch_add(1, std::memory_order_relaxed);
  const int64_t half = now / half_ms_;
  for (size_t attempt = 0; attempt < 2; ++attempt) {
    Shard& shard = *shards_[(slot + attempt) % shards_.size()];
    if (!shard.mu.TryLock()) continue;
    shard.Rotate(half);
    shard.hits.Add(key, hits);
    if (rejected) shard.rejections.Add(key, hits == 0 ? 1 : hits);
    shard.mu.Unlock();
    return;
  }
  shards_[slot % shards_.size()]->dropped.fetch_add(1, std::memory_order_relaxed);
}

TopKeysReport TopKeys::Top(size_t k, int64_t now) const {
  const int64_t half = now / half_ms_;
  // Big enough to merge every counter without evicting: the merged counts stay as recorded.
  const size_t all = options_.capacity * shards_.size() * 2;
  SpaceSaving hits(all), rejections(all);
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    if (shard->half == half || shard->half == half - 1) {
      hits.Merge(shard->hits);
      rejections.Merge(shard->rejections);
    }
    if (shard->half == half) {  // its previous half is the one before now's
      hits.Merge(shard->previous_hits);
      rejections.Merge(shard->previous_rejections);
    }
  }
  return TopKeysReport{.hits = hits.Top(k), .rejections = rejections.Top(k)};
}

uint64_t TopKeys::dropped() const {
  uint64_t out = 0;
  for (const auto& shard : shards_) out += shard->dropped.load(std::memory_order_relaxed);
  return out;
}

}  // namespace sluice::server
