// Store: the bounded, sharded map from key to BucketItem that every decision reads and writes.
//
// - Sharded by key hash (computed once per access); each shard is one mutex over an
//   open-addressing index (SlotIndex: hash and slot side by side) and a slab of entries that hold
//   their key bytes inline when short (StoreKey). A lookup over a large key set then costs two
//   cache misses, index and entry, where a map of std::string keys costs three or four.
// - Bounded by items and by bytes: the capacity and the byte budget are divided exactly among
//   the shards (their shares add up to the totals, so the store never holds more than either);
//   an entry is charged EntryBytes(key size). Inserting into a shard that is full in either
//   sense evicts by CLOCK (second chance), an approximation of least-recently-used: the hand
//   takes the first entry that is expired or unused since the hand last passed. An entry larger
//   than its shard's whole byte share is not stored at all (counted in StoreStats::unstored).
//   A hit writes only its own entry, where a linked LRU list would also write two neighbours
//   (two extra cache misses per decision over a large key set).
// - Lazy expiry: an entry whose expire_at < now (server clock) is treated as absent on access.
//   Nothing runs in the background.
// - Per-key atomicity: Update() runs the caller's function under the key's shard lock, so a
//   read-modify-write of one key never interleaves with another.
//
// Thread safety: all methods may be called from any thread concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "core/bucket.h"

namespace sluice::core {

struct StoreOptions {
  // Maximum number of tracked keys. Default: 50,000 (Gubernator's default cache size).
  size_t capacity = 50'000;
  // Bytes the entries may take, as charged by Store::EntryBytes (entry, index slot and key
  // bytes that do not fit inline). Default: 0 = no byte bound.
  size_t max_bytes = 0;
  // Number of lock shards, rounded up to a power of two. Default: 64.
  size_t shards = 64;
};

struct StoreStats {
  uint64_t hits = 0;                 // accesses that found a live entry
  uint64_t misses = 0;               // accesses that found nothing or an expired entry
  uint64_t unexpired_evictions = 0;  // evictions of entries that had not expired yet
  uint64_t unstored = 0;             // items not stored: larger than a shard's byte share
  size_t size = 0;                   // entries currently held (expired ones included until touched)
  size_t bytes = 0;                  // bytes charged for the entries held (see EntryBytes)
};

class Store {
 public:
  explicit Store(StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Calls fn(item) with the key's live item, or std::nullopt when absent or expired at `now`,
  // under the key's shard lock. Whatever fn leaves in `item` is stored; std::nullopt deletes.
  // fn must not call back into the Store.
  void Update(std::string_view key, int64_t now,
              absl::FunctionRef<void(std::optional<BucketItem>&)> fn);

  // The same with the key's hash already known. Precondition: hash == KeyHash(key); a caller
  // that precomputes it for a fixed key (Envoy rules, rules/counter_key.h) skips hashing the
  // key on every access.
  void Update(std::string_view key, uint64_t hash, int64_t now,
              absl::FunctionRef<void(std::optional<BucketItem>&)> fn);

  // The hash Update() and Peek() compute for `key`. Stable within a process only.
  static uint64_t KeyHash(std::string_view key);

  // The key's live item at `now`, without marking it used or counting it in the statistics.
  std::optional<BucketItem> Peek(std::string_view key, int64_t now) const;

  // Calls fn(key, item) for every item live at `now`. Each shard's items are copied under its
  // lock and fn runs after the lock is released, so fn may block (a snapshot writing a file)
  // without stalling decisions; each item is a state some decision left, the whole is not one
  // instant. fn may call back into the Store.
  void ForEach(int64_t now,
               absl::FunctionRef<void(std::string_view key, const BucketItem& item)> fn) const;

  // The bytes an entry with a key of `key_size` bytes is charged: the entry and its index slot,
  // plus the key bytes when they do not fit inline (StoreKey::kInlineBytes).
  static size_t EntryBytes(size_t key_size);

  size_t Size() const;
  size_t capacity() const { return capacity_; }
  size_t max_bytes() const { return max_bytes_; }  // 0: no byte bound
  StoreStats Stats() const;

 private:
  class Shard;
  Shard& ShardFor(size_t hash) const;

  size_t capacity_;
  size_t max_bytes_;
  int shard_bits_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace sluice::core
