// The rate-limit algorithms as pure functions of (stored item, request, now).
//
// Each takes the key's current item (std::nullopt when absent or expired), the request, and the
// server's now in epoch ms (used only where Gubernator uses the server clock: Gregorian
// intervals). It updates `item` in place — resetting it to std::nullopt deletes the key — and
// returns the answer. The caller guarantees exclusive access to `item` for the call.
//
// Errors are returned in RateLimitResponse::error with the inner text Gubernator uses (for
// example "Error in tokenBucket: ..."); the door adds the outer "Error while apply rate limit
// for '<key>': ..." prefix.
#pragma once

#include <cstdint>
#include <optional>

#include "core/bucket.h"
#include "core/rate_limit.h"

namespace sluice::core {

RateLimitResponse ApplyTokenBucket(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                   int64_t now);

RateLimitResponse ApplyLeakyBucket(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                   int64_t now);

// Epoch-aligned fixed window of `req.duration` ms (Envoy rules). A rejected request consumes
// nothing; DRAIN_OVER_LIMIT fills the window instead.
RateLimitResponse ApplyFixedWindow(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                   int64_t now);

// Sliding-window counter over two epoch-aligned windows of `req.duration` ms
// (core/sliding_window.h). A rejected request consumes nothing.
RateLimitResponse ApplySlidingWindow(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                     int64_t now);

// Dispatches on req.algorithm; an unknown algorithm is an error response.
RateLimitResponse ApplyAlgorithm(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                 int64_t now);

}  // namespace sluice::core
