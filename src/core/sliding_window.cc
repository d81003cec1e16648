// The sliding-window counter: see core/sliding_window.h for the estimate and its error bound.
#include "core/sliding_window.h"

#include <algorithm>
#include <string>

#include "absl/numeric/int128.h"
#include "common/floor_div.h"
#include "core/algorithm.h"
#include "core/saturating.h"

namespace sluice::core {

int64_t SlidingEstimate(int64_t previous, int64_t current, int64_t elapsed, int64_t duration) {
  // Rounded up, so a previous hit counts until it has slid out completely (this is what keeps
  // every interval below 2 × limit). The product can exceed int64 for long windows.
  const absl::int128 d = duration;
  const absl::int128 weighted = (absl::int128(previous) * (d - elapsed) + d - 1) / d;
  return SatAdd(current, static_cast<int64_t>(weighted));
}

RateLimitResponse ApplySlidingWindow(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                     int64_t /*now*/) {
  if (req.duration <= 0 || req.Has(behavior::kDurationIsGregorian)) {
    RateLimitResponse resp;
    resp.error = req.duration <= 0
                     ? "Error in slidingWindow: duration must be positive"
                     : "Error in slidingWindow: DURATION_IS_GREGORIAN is not supported";
    return resp;
  }
  const int64_t duration = req.duration;
  int64_t window_start = SatMul(common::FloorDiv(req.created_at, duration), duration);

  SlidingWindowState* w = item ? std::get_if<SlidingWindowState>(&item->state) : nullptr;
  // A new key, another algorithm's state, a changed window length or RESET_REMAINING: start
  // empty (windows of another length do not line up with these counts).
  if (w == nullptr || w->duration != duration || req.Has(behavior::kResetRemaining)) {
    item = BucketItem{.state = SlidingWindowState{.limit = req.limit,
                                                  .duration = duration,
                                                  .window_start = window_start}};
    w = &std::get<SlidingWindowState>(item->state);
  } else if (window_start < w->window_start) {
    // created_at before the stored window (clock skew between doors): count it in the stored
    // window as its first instant, never by forgetting counts.
    window_start = w->window_start;
  } else if (window_start != w->window_start) {
    // Roll forward: the current window becomes the previous one if it is adjacent, else both
    // are long past.
    w->previous = window_start - w->window_start == duration ? w->current : 0;
    w->current = 0;
    w->window_start = window_start;
  }
  w->limit = req.limit;
  const int64_t window_end = SatAdd(window_start, duration);
  // Kept until the current window's hits no longer weigh in: the end of the next window.
  item->expire_at = SatAdd(window_end, duration);

  const int64_t elapsed = std::max<int64_t>(0, req.created_at - window_start);
  const int64_t weighted_previous = SlidingEstimate(w->previous, 0, elapsed, duration);
  const int64_t estimate = SatAdd(w->current, weighted_previous);

  RateLimitResponse resp{.status = Status::kUnderLimit, .limit = req.limit};
  // As the fixed window: a 0-hit check is over when the estimate already is; negative hits give
  // back (never below 0) and are never over; rejected hits are not counted.
  if (req.hits >= 0 && SatAdd(estimate, req.hits) > req.limit) {
    resp.status = Status::kOverLimit;
    if (req.Has(behavior::kDrainOverLimit) && estimate < req.limit) {
      w->current = SatSub(req.limit, weighted_previous);
    }
  } else {
    w->current = std::max<int64_t>(0, SatAdd(w->current, req.hits));
  }
  const int64_t after = SatAdd(w->current, weighted_previous);
  resp.remaining = req.limit > after ? SatSub(req.limit, after) : 0;
  // When the full limit is available again if nothing more arrives: once the previous window
  // has slid out (the current window's end), or, with hits in the current window, once those
  // have slid out too (the next window's end).
  resp.reset_time = w->current > 0 ? item->expire_at : window_end;
  return resp;
}

}  // namespace sluice::core
