// Epoch-aligned fixed window, the envoyproxy/ratelimit algorithm (reference/envoy_rls.md §3.6),
// except that a rejected request consumes nothing.
#include "common/floor_div.h"
#include "core/algorithm.h"
#include "core/saturating.h"

namespace sluice::core {

RateLimitResponse ApplyFixedWindow(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                   int64_t /*now*/) {
  if (req.duration <= 0) {
    RateLimitResponse resp;
    resp.error = "Error in fixedWindow: duration must be positive";
    return resp;
  }
  const int64_t window_start = SatMul(common::FloorDiv(req.created_at, req.duration), req.duration);
  const int64_t window_end = SatAdd(window_start, req.duration);

  FixedWindowState* w = item ? std::get_if<FixedWindowState>(&item->state) : nullptr;
  // A new key or window, or RESET_REMAINING (the counter admin's reset): start empty; this
  // request's hits then count as in any new window.
  if (w == nullptr || w->window_start != window_start || req.Has(behavior::kResetRemaining)) {
    item = BucketItem{.state = FixedWindowState{.limit = req.limit, .window_start = window_start},
                      .expire_at = window_end};
    w = &std::get<FixedWindowState>(item->state);
  }
  w->limit = req.limit;

  RateLimitResponse resp{.status = Status::kUnderLimit, .limit = req.limit, .reset_time = window_end};
  // A check with 0 hits is over when the count already is, as in the reference (a lowered limit
  // can leave the count above it); negative hits give back and are never over.
  if (req.hits >= 0 && SatAdd(w->count, req.hits) > req.limit) {
    resp.status = Status::kOverLimit;
    if (req.Has(behavior::kDrainOverLimit) && w->count < req.limit) w->count = req.limit;
  } else {
    w->count = SatAdd(w->count, req.hits);
    if (w->count < 0) w->count = 0;
  }
  resp.remaining = req.limit > w->count ? SatSub(req.limit, w->count) : 0;
  return resp;
}

}  // namespace sluice::core
