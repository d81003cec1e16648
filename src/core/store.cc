#include "core/store.h"

#include <atomic>
#include <bit>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"

namespace sluice::core {
namespace {

constexpr uint32_t kNil = UINT32_MAX;

struct Entry {
  std::string key;
  BucketItem item;
  bool live = false;        // false: a free slot
  bool referenced = false;  // used since the clock hand last passed (second chance)
};

// A key with its hash, computed once per access: it picks the shard and probes the index.
struct HashedKey {
  std::string_view key;
  size_t hash;
};

// Debian's Abseil has its own string_view type: hashing std::string_view would fall back to
// std::hash (libstdc++'s slower murmur), so hash through absl::string_view.
size_t HashOf(std::string_view key) {
  return absl::Hash<absl::string_view>{}(absl::string_view(key.data(), key.size()));
}

// The index stores slab positions; hashing and equality look through to the entry's key so
// the key bytes live once, in the slab.
struct IndexHash {
  using is_transparent = void;
  const std::vector<Entry>* slab;
  size_t operator()(uint32_t i) const { return HashOf((*slab)[i].key); }
  size_t operator()(const HashedKey& k) const { return k.hash; }
};

struct IndexEq {
  using is_transparent = void;
  const std::vector<Entry>* slab;
  bool operator()(uint32_t a, uint32_t b) const { return a == b; }
  bool operator()(uint32_t a, const HashedKey& b) const { return (*slab)[a].key == b.key; }
  bool operator()(const HashedKey& a, uint32_t b) const { return a.key == (*slab)[b].key; }
};

}  // namespace

class Store::Shard {
 public:
  explicit Shard(size_t capacity)
      : capacity_(capacity), index_(0, IndexHash{&slab_}, IndexEq{&slab_}) {
    slab_.reserve(capacity);  // address space only: pages are touched as entries arrive
  }

  void Update(const HashedKey& key, int64_t now,
              absl::FunctionRef<void(std::optional<BucketItem>&)> fn) {
    absl::MutexLock lock(&mu_);
    uint32_t pos = kNil;
    std::optional<BucketItem> item;
    if (auto it = index_.find(key); it != index_.end()) {
      pos = *it;
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
        pos = Insert(key.key, now);
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
    auto it = index_.find(key);
    if (it == index_.end() || slab_[*it].item.expire_at < now) return std::nullopt;
    return slab_[*it].item;
  }

  size_t Size() const { return size_.load(std::memory_order_relaxed); }

  void AddStats(StoreStats& stats) const {
    absl::MutexLock lock(&mu_);
    stats.hits += hits_;
    stats.misses += misses_;
    stats.unexpired_evictions += unexpired_evictions_;
    stats.size += index_.size();
  }

 private:
  // Makes room if needed and returns a slot holding `key`, already indexed.
  uint32_t Insert(std::string_view key, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (index_.size() >= capacity_) EvictOne(now);
    uint32_t pos;
    if (!free_.empty()) {
      pos = free_.back();
      free_.pop_back();
    } else {
      pos = static_cast<uint32_t>(slab_.size());
      slab_.emplace_back();
    }
    slab_[pos].key.assign(key);
    slab_[pos].live = true;
    slab_[pos].referenced = false;
    index_.insert(pos);
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
    index_.erase(pos);
    slab_[pos].live = false;
    slab_[pos].key = std::string();  // release heap-allocated key bytes now
    free_.push_back(pos);
    size_.store(index_.size(), std::memory_order_relaxed);
  }

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::vector<Entry> slab_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> free_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint32_t, IndexHash, IndexEq> index_ ABSL_GUARDED_BY(mu_);
  uint32_t hand_ ABSL_GUARDED_BY(mu_) = 0;  // the clock hand: next slab slot EvictOne looks at
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t unexpired_evictions_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<size_t> size_{0};
};

Store::Store(StoreOptions options) : capacity_(options.capacity == 0 ? 1 : options.capacity) {
  size_t shards = std::bit_ceil(options.shards == 0 ? size_t{1} : options.shards);
  while (shards > 1 && shards > capacity_) shards /= 2;  // every shard holds at least one key
  shard_bits_ = std::countr_zero(shards);
  size_t per_shard = (capacity_ + shards - 1) / shards;
  shards_.reserve(shards);
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>(per_shard));
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
  const HashedKey hashed{key, HashOf(key)};
  ShardFor(hashed.hash).Update(hashed, now, fn);
}

std::optional<BucketItem> Store::Peek(std::string_view key, int64_t now) const {
  const HashedKey hashed{key, HashOf(key)};
  return ShardFor(hashed.hash).Peek(hashed, now);
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
