// The rate-limit algorithms as pure functions of (stored item, request, now).
//
// Each takes the key's current item (std::nullopt when absent or expired), the request, and the
// server's now in epoch ms. The request's time is req.created_at, stamped (or clamped) once at
// the door (core/admission.h); `now` is used only where Gubernator uses the server clock:
// Gregorian intervals of the token and leaky buckets (the windows ignore it). Each updates
// `item` in place — resetting it to std::nullopt deletes the key — and returns the answer. The
// caller (the Limiter, under the key's store shard lock) guarantees exclusive access to `item`
// for the call. No function here reads a clock or takes a lock.
//
// One file per algorithm (token_bucket.cc, leaky_bucket.cc, fixed_window.cc, sliding_window.cc);
// algorithm.cc is the one place that maps req.algorithm to its function (ApplyAlgorithm).
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
