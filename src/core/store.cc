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
  uint32_t prev = kNil;  // towards the most recently used end
  uint32_t next = kNil;  // towards the least recently used end
};

// The index stores slab positions; hashing and equality look through to the entry's key so
// the key bytes live once, in the slab.
struct IndexHash {
  using is_transparent = void;
  const std::vector<Entry>* slab;
  size_t operator()(uint32_t i) const { return absl::Hash<std::string_view>{}((*slab)[i].key); }
  size_t operator()(std::string_view key) const { return absl::Hash<std::string_view>{}(key); }
};

struct IndexEq {
  using is_transparent = void;
  const std::vector<Entry>* slab;
  bool operator()(uint32_t a, uint32_t b) const { return a == b; }
  bool operator()(uint32_t a, std::string_view b) const { return (*slab)[a].key == b; }
  bool operator()(std::string_view a, uint32_t b) const { return a == (*slab)[b].key; }
};

}  // namespace

class Store::Shard {
 public:
  explicit Shard(size_t capacity)
      : capacity_(capacity), index_(0, IndexHash{&slab_}, IndexEq{&slab_}) {
    slab_.reserve(capacity);  // address space only: pages are touched as entries arrive
  }

  void Update(std::string_view key, int64_t now,
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
        pos = Insert(key, now);
      } else {
        Unlink(pos);
      }
      slab_[pos].item = *item;
      PushFront(pos);
    } else if (pos != kNil) {
      Erase(pos);
    }
  }

  std::optional<BucketItem> Peek(std::string_view key, int64_t now) const {
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
  // Makes room if needed and returns an unlinked slot holding `key`, already indexed.
  uint32_t Insert(std::string_view key, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (index_.size() >= capacity_ && tail_ != kNil) {
      if (slab_[tail_].item.expire_at >= now) ++unexpired_evictions_;
      Erase(tail_);
    }
    uint32_t pos;
    if (!free_.empty()) {
      pos = free_.back();
      free_.pop_back();
    } else {
      pos = static_cast<uint32_t>(slab_.size());
      slab_.emplace_back();
    }
    slab_[pos].key.assign(key);
    index_.insert(pos);
    size_.store(index_.size(), std::memory_order_relaxed);
    return pos;
  }

  void Erase(uint32_t pos) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    index_.erase(pos);
    Unlink(pos);
    slab_[pos].key = std::string();  // release heap-allocated key bytes now
    free_.push_back(pos);
    size_.store(index_.size(), std::memory_order_relaxed);
  }

  void Unlink(uint32_t pos) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Entry& e = slab_[pos];
    if (e.prev != kNil) slab_[e.prev].next = e.next; else if (head_ == pos) head_ = e.next;
    if (e.next != kNil) slab_[e.next].prev = e.prev; else if (tail_ == pos) tail_ = e.prev;
    e.prev = e.next = kNil;
  }

  void PushFront(uint32_t pos) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Entry& e = slab_[pos];
    e.prev = kNil;
    e.next = head_;
    if (head_ != kNil) slab_[head_].prev = pos;
    head_ = pos;
    if (tail_ == kNil) tail_ = pos;
  }

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::vector<Entry> slab_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> free_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<uint32_t, IndexHash, IndexEq> index_ ABSL_GUARDED_BY(mu_);
  uint32_t head_ ABSL_GUARDED_BY(mu_) = kNil;  // most recently used
  uint32_t tail_ ABSL_GUARDED_BY(mu_) = kNil;  // least recently used
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
  ShardFor(absl::Hash<std::string_view>{}(key)).Update(key, now, fn);
}

std::optional<BucketItem> Store::Peek(std::string_view key, int64_t now) const {
  return ShardFor(absl::Hash<std::string_view>{}(key)).Peek(key, now);
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
