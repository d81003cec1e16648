// Limiter: applies one request to its key's state in the Store, atomically per key.
//
// The only place where algorithms meet the store. Pure logic: the caller passes the server's
// now (epoch ms) — used for expiry and Gregorian intervals — while the algorithms use the
// request's created_at for their arithmetic.
//
// Persistence (include/sluice/persistence.h): with a sluice::Store attached, a key missing from
// memory is asked of it first, and every decision that changes a key's state tells it, both
// under the key's shard lock (per-key order is kept). Without one the decision path is as it
// was: one branch more. Snapshot() and Restore() move the whole state through a Loader's sink.
//
// Thread safety: Check() may be called from any thread concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "core/algorithm.h"
#include "core/rate_limit.h"
#include "core/store.h"
#include "sluice/persistence.h"

namespace sluice::core {

class Limiter {
 public:
  // `persistent`, when given, must outlive the Limiter.
  explicit Limiter(Store& store, sluice::Store* persistent = nullptr)
      : store_(store), persistent_(persistent) {}

  // Applies `req` to the key name_unique_key. req.created_at must already be stamped.
  RateLimitResponse Check(const RateLimitRequest& req, int64_t now);

  // Same, with the store key given (callers that already built it avoid a copy). Uses
  // req.store_hash when set; it must then be Store::KeyHash(key).
  RateLimitResponse Check(const RateLimitRequest& req, std::string_view key, int64_t now);

  // Overwrites the key's state (used when an owner broadcasts GLOBAL state to replicas). Not
  // passed to the persistent store: a replica's copy belongs to its owner.
  void Replace(std::string_view key, const BucketItem& item, int64_t now);

  // Passes every item live at `now` to `sink`, encoded (a Loader's Save).
  void Snapshot(int64_t now, const sluice::Loader::ItemSink& sink) const;

  // Puts a saved item back (a Loader's Load). False, and nothing stored, when it has expired at
  // `now` or its state is not an encoding this build reads.
  bool Restore(const sluice::StoredItemView& item, int64_t now);

  // Items from the persistent store or a Loader whose state this build could not decode.
  uint64_t undecodable_items() const { return undecodable_.load(std::memory_order_relaxed); }

  Store& store() { return store_; }

 private:
  // The persistent store's item for a key missing from memory, if live at `now`.
  std::optional<BucketItem> LoadPersisted(std::string_view key, const RateLimitRequest& req,
                                          int64_t now);
  void Persist(std::string_view key, const RateLimitRequest& req, int64_t now,
               const std::optional<BucketItem>& item);

  Store& store_;
  sluice::Store* persistent_;  // nullptr: no persistence
  std::atomic<uint64_t> undecodable_{0};
};

// The window length in ms a request asks for: its duration, or a Gregorian interval's length.
int64_t WindowLength(const RateLimitRequest& req, int64_t now);

}  // namespace sluice::core
