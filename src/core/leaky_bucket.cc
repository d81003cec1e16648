// Leaky bucket in Gubernator v2's decision order (reference/gubernator.md §2.3). Deliberate
// differences (limit 0, Gregorian rate, no refill on a burst change) are listed in docs/compatibility.md.
#include <cmath>
#include <string>

#include "core/algorithm.h"
#include "core/gregorian.h"
#include "core/saturating.h"

namespace sluice::core {
namespace {

RateLimitResponse Error(std::string_view inner) {
  RateLimitResponse resp;
  resp.error = std::string("Error in leakyBucket: ").append(inner);
  return resp;
}

// Float64 to int64 truncation that is defined for every input (Go's is not for ±Inf/NaN).
int64_t Trunc(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2e18) return INT64_MAX;
  if (v <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// Milliseconds per token and the lifetime of the cache entry, Gregorian-aware.
struct Timing {
  double rate = 0;       // ms per token (negative for a negative duration, as in Gubernator);
                         // 0 when the bucket never leaks (limit <= 0) or duration is 0
  int64_t duration = 0;  // ms the entry lives after a hit
};

absl::StatusOr<Timing> ComputeTiming(const RateLimitRequest& req, int64_t now) {
  Timing timing{.rate = 0, .duration = req.duration};
  double interval = static_cast<double>(req.duration);
  if (req.Has(behavior::kDurationIsGregorian)) {
    auto length = GregorianLength(now, req.duration);
    if (!length.ok()) return length.status();
    auto end = GregorianExpiration(now, req.duration);
    if (!end.ok()) return end.status();
    // Leak over the whole calendar interval; the entry lives to the interval's end.
    interval = static_cast<double>(*length);
    timing.duration = SatSub(*end, now);
  }
  if (req.limit > 0) timing.rate = interval / static_cast<double>(req.limit);
  return timing;
}

int64_t ResetTime(int64_t created_at, int64_t limit, int64_t remaining, double rate) {
  return SatAdd(created_at, SatMul(SatSub(limit, remaining), Trunc(rate)));
}

}  // namespace

RateLimitResponse ApplyLeakyBucket(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                   int64_t now) {
  const int64_t burst = req.burst == 0 ? req.limit : req.burst;
  auto timing = ComputeTiming(req, now);
  if (!timing.ok()) return Error(std::string(timing.status().message()));
  const double rate = timing->rate;

  LeakyBucketState* b = item ? std::get_if<LeakyBucketState>(&item->state) : nullptr;
  if (b == nullptr) {
    // New bucket (or the key switched algorithm).
    LeakyBucketState state{.limit = req.limit,
                           .duration = req.duration,
                           .remaining = static_cast<double>(SatSub(burst, req.hits)),
                           .updated_at = req.created_at,
                           .burst = burst};
    RateLimitResponse resp{.status = Status::kUnderLimit,
                           .limit = req.limit,
                           .remaining = SatSub(burst, req.hits),
                           .reset_time = ResetTime(req.created_at, req.limit,
                                                   SatSub(burst, req.hits), rate)};
    if (req.hits > burst) {
      // Unlike the token bucket, an oversize first request leaves the bucket empty.
      resp.status = Status::kOverLimit;
      resp.remaining = 0;
      resp.reset_time = ResetTime(req.created_at, req.limit, 0, rate);
      state.remaining = 0;
    }
    item = BucketItem{.state = state, .expire_at = SatAdd(req.created_at, timing->duration)};
    return resp;
  }

  // RESET_REMAINING refills, then the hits of this request still apply.
  if (req.Has(behavior::kResetRemaining)) b->remaining = static_cast<double>(burst);
  // A burst change keeps what is left, capped at the new burst below (so a lower limit answers
  // as Gubernator's TestChangeLimit expects). Gubernator also refills the bucket whenever the
  // new burst exceeds what is left; Sluice does not (docs/compatibility.md, leaky-burst-refill).
  b->burst = burst;
  b->limit = req.limit;
  b->duration = req.duration;
  // Only hits extend the entry's life; reads do not.
  if (req.hits != 0) item->expire_at = SatAdd(req.created_at, timing->duration);

  // Leak whole tokens only; fractions accumulate until a whole token has leaked.
  const int64_t elapsed = SatSub(req.created_at, b->updated_at);
  double leak = 0;
  if (rate != 0) {
    leak = static_cast<double>(elapsed) / rate;  // a negative duration: Gubernator's quotient
  } else if (req.limit > 0 && elapsed > 0) {
    leak = static_cast<double>(burst);  // duration 0: refills at once
  }
  if (Trunc(leak) > 0) {
    b->remaining += leak;
    b->updated_at = req.created_at;
  }
  if (Trunc(b->remaining) > b->burst) b->remaining = static_cast<double>(b->burst);

  const int64_t remaining = Trunc(b->remaining);
  RateLimitResponse resp{.status = Status::kUnderLimit,
                         .limit = b->limit,
                         .remaining = remaining,
                         .reset_time = ResetTime(req.created_at, b->limit, remaining, rate)};
  if (remaining == 0 && req.hits > 0) {
    resp.status = Status::kOverLimit;
    return resp;
  }
  if (remaining == req.hits) {
    b->remaining = 0;
    resp.remaining = 0;
    resp.reset_time = ResetTime(req.created_at, b->limit, 0, rate);
    return resp;
  }
  if (req.hits > remaining) {
    resp.status = Status::kOverLimit;
    if (req.Has(behavior::kDrainOverLimit)) {
      b->remaining = 0;
      resp.remaining = 0;
    }
    return resp;
  }
  if (req.hits == 0) return resp;
  b->remaining -= static_cast<double>(req.hits);
  resp.remaining = Trunc(b->remaining);
  resp.reset_time = ResetTime(req.created_at, b->limit, resp.remaining, rate);
  return resp;
}

}  // namespace sluice::core
