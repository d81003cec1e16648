#include "mesh/sliding_window.h"

#include <array>
#include <string>

#include "core/saturating.h"
#include "core/sliding_window.h"
#include "mesh/decision.h"

namespace sluice::mesh {
namespace {

constexpr int64_t kMaxSpanMs = 366LL * 24 * 3600 * 1000;  // what a mesh window may last

}  // namespace

core::RateLimitResponse DecideSliding(CounterTable& table, const core::RateLimitRequest& req,
                                      const WindowKey& current, int64_t now) {
  core::RateLimitResponse resp;
  const int64_t duration = current.end - current.start;
  if (duration > kMaxSpanMs / 2) {
    resp.error = "sliding windows longer than 183 days are not supported in mesh mode";
    return resp;
  }
  if (req.Has(core::behavior::kDurationIsGregorian)) {
    resp.error = "DURATION_IS_GREGORIAN is not supported for a sliding window";
    return resp;
  }
  // Each window lives until the end of the next one, while it still weighs in.
  const std::array<WindowKey, 2> windows = {
      WindowKey{current.key, current.start - duration, current.end},
      WindowKey{current.key, current.start, current.end + duration}};
  if (absl::Status s = ResetIfAsked(table, req, windows); !s.ok()) {
    resp.error = std::string(s.message());
    return resp;
  }
  const int64_t elapsed = now - current.start;
  int64_t estimate = 0;
  int64_t current_total = 0;
  int64_t add = 0;
  bool admitted = false;
  absl::Status status = table.ChargeWith(windows, [&](absl::Span<const int64_t> totals) {
    current_total = totals[1];
    estimate = core::SlidingEstimate(totals[0], totals[1], elapsed, duration);
    admitted = core::SatAdd(estimate, req.hits) <= req.limit;
    if (admitted) {
      add = req.hits;
    } else if (req.Has(core::behavior::kDrainOverLimit) && estimate < req.limit) {
      add = req.limit - estimate;
    }
    return add;
  });
  if (!status.ok()) {
    resp.error = std::string(status.message());
    return resp;
  }
  const int64_t after = core::SatAdd(estimate, add);
  resp.status = admitted ? core::Status::kUnderLimit : core::Status::kOverLimit;
  resp.limit = req.limit;
  resp.remaining = req.limit > after ? req.limit - after : 0;
  // As on one node: the full limit is back once the hits known in the current window have slid
  // out (the next window's end), or with none, once the previous window has (this one's end).
  resp.reset_time = current_total + add > 0 ? windows[1].end : current.end;
  return resp;
}

}  // namespace sluice::mesh
