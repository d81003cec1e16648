// Limiter: applies one request to its key's state in the Store, atomically per key.
//
// The only place where algorithms meet the store. Pure logic: the caller passes the server's
// now (epoch ms) — used for expiry and Gregorian intervals — while the algorithms use the
// request's created_at for their arithmetic.
//
// Thread safety: Check() may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/algorithm.h"
#include "core/rate_limit.h"
#include "core/store.h"

namespace sluice::core {

class Limiter {
 public:
  explicit Limiter(Store& store) : store_(store) {}

  // Applies `req` to the key name_unique_key. req.created_at must already be stamped.
  RateLimitResponse Check(const RateLimitRequest& req, int64_t now);

  // Same, with the store key given (callers that already built it avoid a copy). Uses
  // req.store_hash when set; it must then be Store::KeyHash(key).
  RateLimitResponse Check(const RateLimitRequest& req, std::string_view key, int64_t now);

  // Overwrites the key's state (used when an owner broadcasts GLOBAL state to replicas).
  void Replace(std::string_view key, const BucketItem& item, int64_t now);

  Store& store() { return store_; }

 private:
  Store& store_;
};

}  // namespace sluice::core
