#include "mesh/decision.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/gregorian.h"
#include "mesh/leaky_bucket.h"
#include "mesh/mesh_options.h"
#include "mesh/sliding_window.h"

namespace sluice::mesh {

absl::StatusOr<WindowKey> WindowFor(const core::RateLimitRequest& req, int64_t now) {
  switch (static_cast<core::Algorithm>(req.algorithm)) {
    case core::Algorithm::kTokenBucket:
    case core::Algorithm::kFixedWindow:
    case core::Algorithm::kSlidingWindow:
      break;
    case core::Algorithm::kLeakyBucket:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid rate limit algorithm '", req.algorithm, "'"));
  }
  if (req.hits < 0) {
    return absl::InvalidArgumentError("negative hits are not supported in mesh mode");
  }
  WindowKey window;
  window.key = core::HashKey(req.name, req.unique_key);
  if (window.key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("keys longer than ", kMaxKeyBytes, " bytes are not supported in mesh mode"));
  }
  if (static_cast<core::Algorithm>(req.algorithm) == core::Algorithm::kLeakyBucket) {
    return window;  // key only: the bucket spans several sub-windows (leaky_bucket.h)
  }
  if (req.Has(core::behavior::kDurationIsGregorian) &&
      static_cast<core::Algorithm>(req.algorithm) == core::Algorithm::kTokenBucket) {
    auto last = core::GregorianExpiration(now, req.duration);
    auto length = core::GregorianLength(now, req.duration);
    if (!last.ok()) return last.status();
    if (!length.ok()) return length.status();
    window.end = *last + 1;
    window.start = window.end - *length;
    return window;
  }
  if (req.duration <= 0) return absl::InvalidArgumentError("duration must be positive");
  window.start = now / req.duration * req.duration;  // now >= 0
  window.end = window.start + req.duration;
  return window;
}

absl::Status ResetIfAsked(CounterTable& table, const core::RateLimitRequest& req,
                          absl::Span<const WindowKey> windows) {
  if (!req.Has(core::behavior::kResetRemaining) || windows.empty()) return absl::OkStatus();
  return table.Reset(windows).status();
}

core::RateLimitResponse Decide(CounterTable& table, const core::RateLimitRequest& req,
                               int64_t now) {
  core::RateLimitResponse resp;
  auto window = WindowFor(req, now);
  if (!window.ok()) {
    resp.error = std::string(window.status().message());
    return resp;
  }
  if (static_cast<core::Algorithm>(req.algorithm) == core::Algorithm::kLeakyBucket) {
    return DecideLeaky(table, req, now);
  }
  if (static_cast<core::Algorithm>(req.algorithm) == core::Algorithm::kSlidingWindow) {
    return DecideSliding(table, req, *window, now);
  }
  if (absl::Status s = ResetIfAsked(table, req, {&*window, 1}); !s.ok()) {
    resp.error = std::string(s.message());
    return resp;
  }
  auto result =
      table.Consume(*window, req.hits, req.limit, req.Has(core::behavior::kDrainOverLimit));
  if (!result.ok()) {
    resp.error = std::string(result.status().message());
    return resp;
  }
  resp.status = result->admitted ? core::Status::kUnderLimit : core::Status::kOverLimit;
  resp.limit = req.limit;
  resp.remaining = req.limit > result->total ? req.limit - result->total : 0;
  resp.reset_time = window->end;
  return resp;
}

}  // namespace sluice::mesh
