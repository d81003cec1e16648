#include "core/store.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"
#include "core/slot_index.h"
#include "core/store_key.h"

namespace sluice::core {
namespace {

constexpr uint32_t kNil = SlotIndex::kNone;

struct Entry {
  StoreKey key;
  BucketItem item;
  uint32_t hash = 0;        // the index hash, kept to erase the entry from the index
  bool live = false;        // false: a free slot
  bool referenced = false;  // used since the clock hand last passed (second chance)
};

// A key with its hash, computed once per access: it picks the shard and probes the index.
struct HashedKey {
  std::string_view key;
  size_t hash;

  // The index's 32 bits. The shard came from the high bits of a multiplied hash; these are the
  // low bits, so keys in one shard still spread over the whole index.
  uint32_t index_hash() const { return static_cast<uint32_t>(hash); }
};

// An index slot per entry at the index's fullest (3/4 load, then doubling: up to 8/3 slots).
constexpr size_t kIndexBytesPerEntry = 3 * sizeof(uint64_t);

// Share `i` of `total` split over `parts`: the shares differ by at most one and add up to total.
size_t Share(size_t total, size_t parts, size_t i) {
  return total / parts + (i < total % parts ? 1 : 0);
}

}  // namespace

size_t Store::EntryBytes(size_t key_size) {
  return sizeof(Entry) + kIndexBytesPerEntry + (key_size > StoreKey::kInlineBytes ? key_size : 0);
}

class Store::Shard {
 public:
  // max_bytes == 0: no byte bound.
  Shard(size_t capacity, size_t max_bytes) : capacity_(capacity), max_bytes_(max_bytes) {
    slab_.reserve(capacity);  // address space only: pages are touched as entries arrive
  }

  void Update(const HashedKey& key, int64_t now,
              absl::FunctionRef<void(std::optional<BucketItem>&)> fn) {
    absl::MutexLock lock(&mu_);
    uint32_t pos = Find(key);
    std::optional<BucketItem> item;
    if (pos != kNil) {
      if (slab_[pos].item.expire_at < now) {
        ++misses_;  // expired: as if absent; the slot is reused or freed below
      } else {
        ++hits_;
        item = slab_[pos].item;
      }
    } else {
      ++misses_;
    }

    fn(item);

    if (item) {
      if (pos == kNil) {
        pos = Insert(key, now);
        if (pos == kNil) return;  // larger than this shard's whole byte share: not stored
      } else {
        slab_[pos].referenced = true;  // the entry's own line: no other entry is touched
      }
      slab_[pos].item = *item;
    } else if (pos != kNil) {
      Erase(pos);
    }
  }

  std::optional<BucketItem> Peek(const HashedKey& key, int64_t now) const {
    absl::MutexLock lock(&mu_);
    const uint32_t pos = Find(key);
    if (pos == kNil || slab_[pos].item.expire_at < now) return std::nullopt;
    return slab_[pos].item;
  }

  // The live items at `now`, copied.
  std::vector<std::pair<std::string, BucketItem>> LiveItems(int64_t now) const {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<std::string, BucketItem>> items;
    items.reserve(index_.size());
    for (const Entry& e : slab_) {
      if (e.live && e.item.expire_at >= now) items.emplace_back(std::string(e.key.view()), e.item);
    }
    return items;
  }

  size_t Size() const { return size_.load(std::memory_order_relaxed); }

  void AddStats(StoreStats& stats) const {
    absl::MutexLock lock(&mu_);
    stats.hits += hits_;
    stats.misses += misses_;
    stats.unexpired_evictions += unexpired_evictions_;
    stats.unstored += unstored_;
    stats.size += index_.size();
    stats.bytes += bytes_;
  }

 private:
  uint32_t Find(const HashedKey& key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // The lambda runs inside this call, under mu_; the analysis checks lambdas on their own.
    return index_.Find(key.index_hash(), [&](uint32_t pos) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return slab_[pos].key == key.key;
    });
  }

  // Makes room if needed and returns a slot holding `key`, already indexed; kNil when the
  // entry alone is larger than the shard's byte share.
  uint32_t Insert(const HashedKey& key, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const size_t charge = EntryBytes(key.key.size());
    if (max_bytes_ != 0 && charge > max_bytes_) {
      ++unstored_;
      return kNil;
    }
    while (index_.size() >= capacity_ || (max_bytes_ != 0 && bytes_ + charge > max_bytes_)) {
      EvictOne(now);  // the shard holds at least one entry here: the loop ends
    }
    uint32_t pos;
    if (!free_.empty()) {
      pos = free_.back();
      free_.pop_back();
    } else {
      pos = static_cast<uint32_t>(slab_.size());
      slab_.emplace_back();
    }
    Entry& e = slab_[pos];
    e.key.Assign(key.key);
    e.hash = key.index_hash();
    e.live = true;
    e.referenced = false;
    index_.Insert(e.hash, pos);
    bytes_ += charge;
    size_.store(index_.size(), std::memory_order_relaxed);
    return pos;
  }

  // CLOCK (second chance), an approximation of LRU: the hand sweeps the slab; an entry used
  // since the hand last passed is spared once, an expired one goes at once. Unlike a linked LRU
  // list, a hit writes only its own entry, so a decision over many keys takes no cache misses
  // on neighbouring entries.
  void EvictOne(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (;;) {
      if (hand_ >= slab_.size()) hand_ = 0;
      Entry& e = slab_[hand_];
      const uint32_t pos = hand_++;
      if (!e.live) continue;
      if (e.item.expire_at < now) return Erase(pos);
      if (e.referenced) {
        e.referenced = false;
        continue;
      }
      ++unexpired_evictions_;
      return Erase(pos);
    }
  }

  void Erase(uint32_t pos) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    index_.Erase(slab_[pos].hash, pos);
    bytes_ -= EntryBytes(slab_[pos].key.view().size());
    slab_[pos].live = false;
    slab_[pos].key.Clear();  // release heap-allocated key bytes now
    free_.push_back(pos);
    size_.store(index_.size(), std::memory_order_relaxed);
  }

  const size_t capacity_;
  const size_t max_bytes_;  // 0: no byte bound
  mutable absl::Mutex mu_;
  std::vector<Entry> slab_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> free_ ABSL_GUARDED_BY(mu_);
  SlotIndex index_ ABSL_GUARDED_BY(mu_);
  uint32_t hand_ ABSL_GUARDED_BY(mu_) = 0;  // the clock hand: next slab slot EvictOne looks at
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t unexpired_evictions_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t unstored_ ABSL_GUARDED_BY(mu_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;  // EntryBytes of every live entry
  std::atomic<size_t> size_{0};
};

Store::Store(StoreOptions options)
    : capacity_(options.capacity == 0 ? 1 : options.capacity), max_bytes_(options.max_bytes) {
  size_t shards = std::bit_ceil(options.shards == 0 ? size_t{1} : options.shards);
  while (shards > 1 && shards > capacity_) shards /= 2;  // every shard holds at least one key
  shard_bits_ = std::countr_zero(shards);
  shards_.reserve(shards);
  for (size_t i = 0; i < shards; ++i) {
    // A shard with no byte share would be unbounded (0 means no bound): give it one byte.
    const size_t bytes = max_bytes_ == 0 ? 0 : std::max<size_t>(Share(max_bytes_, shards, i), 1);
    shards_.push_back(std::make_unique<Shard>(Share(capacity_, shards, i), bytes));
  }
}

Store::~Store() = default;

Store::Shard& Store::ShardFor(size_t hash) const {
  if (shard_bits_ == 0) return *shards_[0];
  // Fibonacci hashing spreads the hash's bits over the shard index.
  uint64_t mixed = static_cast<uint64_t>(hash) * 0x9E3779B97F4A7C15ull;
  return *shards_[mixed >> (64 - shard_bits_)];
}

void Store::Update(std::string_view key, int64_t now,
                   absl::FunctionRef<void(std::optional<BucketItem>&)> fn) {
  Update(key, KeyHash(key), now, fn);
}

void Store::Update(std::string_view key, uint64_t hash, int64_t now,
                   absl::FunctionRef<void(std::optional<BucketItem>&)> fn) {
  const HashedKey hashed{key, static_cast<size_t>(hash)};
  ShardFor(hashed.hash).Update(hashed, now, fn);
}

uint64_t Store::KeyHash(std::string_view key) {
  // Debian's Abseil has its own string_view type: hashing std::string_view would fall back to
  // std::hash (libstdc++'s slower murmur), so hash through absl::string_view.
  return absl::Hash<absl::string_view>{}(absl::string_view(key.data(), key.size()));
}

std::optional<BucketItem> Store::Peek(std::string_view key, int64_t now) const {
  const HashedKey hashed{key, static_cast<size_t>(KeyHash(key))};
  return ShardFor(hashed.hash).Peek(hashed, now);
}

void Store::ForEach(int64_t now,
                    absl::FunctionRef<void(std::string_view key, const BucketItem& item)> fn) const {
  for (const auto& shard : shards_) {
    for (const auto& [key, item] : shard->LiveItems(now)) fn(key, item);
  }
}

size_t Store::Size() const {
  size_t total = 0;
  for (const auto& shard : shards_) total += shard->Size();
  return total;
}

StoreStats Store::Stats() const {
  StoreStats stats;
  for (const auto& shard : shards_) shard->AddStats(stats);
  return stats;
}

}  // namespace sluice::core
