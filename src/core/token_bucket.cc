// Token bucket in Gubernator v2's decision order (reference/gubernator.md §2.2). Deliberate
// differences are listed in docs/compatibility.md.
#include <string>

#include "core/algorithm.h"
#include "core/gregorian.h"
#include "core/saturating.h"

namespace sluice::core {
namespace {

RateLimitResponse Error(std::string_view inner) {
  RateLimitResponse resp;
  resp.error = std::string("Error in tokenBucket: ").append(inner);
  return resp;
}

RateLimitResponse NewTokenBucket(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                 int64_t now) {
  int64_t expire = SatAdd(req.created_at, req.duration);
  if (req.Has(behavior::kDurationIsGregorian)) {
    auto end = GregorianExpiration(now, req.duration);
    if (!end.ok()) return Error(std::string(end.status().message()));
    expire = *end;
  }
  TokenBucketState state{.status = Status::kUnderLimit,
                         .limit = req.limit,
                         .duration = req.duration,
                         .remaining = SatSub(req.limit, req.hits),
                         .created_at = req.created_at};
  RateLimitResponse resp{.status = Status::kUnderLimit,
                         .limit = req.limit,
                         .remaining = state.remaining,
                         .reset_time = expire};
  if (req.hits > req.limit) {
    // An oversize request consumes nothing.
    resp.status = Status::kOverLimit;
    resp.remaining = req.limit;
    state.remaining = req.limit;
  }
  item = BucketItem{.state = state, .expire_at = expire};
  return resp;
}

}  // namespace

RateLimitResponse ApplyTokenBucket(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                   int64_t now) {
  if (!item) return NewTokenBucket(item, req, now);

  // 1. RESET_REMAINING deletes the bucket and ignores the hits.
  if (req.Has(behavior::kResetRemaining)) {
    item.reset();
    return RateLimitResponse{.status = Status::kUnderLimit,
                             .limit = req.limit,
                             .remaining = req.limit,
                             .reset_time = 0};
  }
  // 2. The key switched algorithm: start over.
  auto* t = std::get_if<TokenBucketState>(&item->state);
  if (t == nullptr) {
    item.reset();
    return NewTokenBucket(item, req, now);
  }
  // 3. Limit changed: shift remaining by the difference, never below zero.
  if (t->limit != req.limit) {
    t->remaining = SatAdd(t->remaining, SatSub(req.limit, t->limit));
    if (t->remaining < 0) t->remaining = 0;
    t->limit = req.limit;
  }
  // 4. The answer so far.
  RateLimitResponse resp{.status = t->status,
                         .limit = req.limit,
                         .remaining = t->remaining,
                         .reset_time = item->expire_at};
  // 5. Duration changed: recompute the window end from the bucket's start; renew if past.
  if (t->duration != req.duration) {
    int64_t expire = SatAdd(t->created_at, req.duration);
    if (req.Has(behavior::kDurationIsGregorian)) {
      auto end = GregorianExpiration(now, req.duration);
      if (!end.ok()) return Error(std::string(end.status().message()));
      expire = *end;
    }
    if (expire <= req.created_at) {
      if (!req.Has(behavior::kDurationIsGregorian)) expire = SatAdd(req.created_at, req.duration);
      t->created_at = req.created_at;
      t->remaining = t->limit;
      // Sluice refreshes the answer after a renewal (Gubernator returns the stale remaining).
      resp.remaining = t->remaining;
    }
    item->expire_at = expire;
    t->duration = req.duration;
    resp.reset_time = expire;
  }
  // 6. A read.
  if (req.hits == 0) return resp;
  // 7. Already at the limit: the bucket's status becomes OVER_LIMIT for the rest of the window.
  if (resp.remaining == 0 && req.hits > 0) {
    resp.status = Status::kOverLimit;
    t->status = Status::kOverLimit;
    return resp;
  }
  // 8. The hits take exactly what is left.
  if (t->remaining == req.hits) {
    t->remaining = 0;
    resp.remaining = 0;
    return resp;
  }
  // 9. More than is left: rejected without consuming, unless DRAIN_OVER_LIMIT empties it.
  if (req.hits > t->remaining) {
    resp.status = Status::kOverLimit;
    if (req.Has(behavior::kDrainOverLimit)) {
      t->remaining = 0;
      resp.remaining = 0;
    }
    return resp;
  }
  // 10. Consume (negative hits give tokens back, uncapped).
  t->remaining = SatSub(t->remaining, req.hits);
  resp.remaining = t->remaining;
  return resp;
}

}  // namespace sluice::core
