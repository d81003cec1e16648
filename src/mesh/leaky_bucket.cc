#include "mesh/leaky_bucket.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/gregorian.h"
#include "mesh/decision.h"
#include "mesh/mesh_options.h"

namespace sluice::mesh {
namespace {

constexpr int64_t kMaxSpanMs = 366LL * 24 * 3600 * 1000;  // what a mesh window may last
// Sub-window counters live under their own key so they never meet a fixed window's.
constexpr char kLeakyKeySuffix[] = "\x1fleaky";

core::RateLimitResponse Error(std::string message) {
  core::RateLimitResponse resp;
  resp.error = std::move(message);
  return resp;
}

}  // namespace

core::RateLimitResponse DecideLeaky(CounterTable& table, const core::RateLimitRequest& req,
                                    int64_t now) {
  int64_t duration = req.duration;
  if (req.Has(core::behavior::kDurationIsGregorian)) {
    auto length = core::GregorianLength(now, req.duration);
    if (!length.ok()) return Error(std::string(length.status().message()));
    duration = *length;
  }
  if (req.limit <= 0 || duration <= 0) {
    return Error("leaky bucket needs a positive limit and duration in mesh mode");
  }
  const int64_t burst = req.burst > 0 ? req.burst : req.limit;
  const long double rate = static_cast<long double>(req.limit) / duration;  // hits per ms
  constexpr int64_t count = kLeakyHistory;
  const long double drain = std::ceil(burst / rate);  // ms to leak a full bucket
  if (drain / kLeakySubWindows * (count + 1) > kMaxSpanMs) {
    return Error(
        "leaky bucket drains too slowly for mesh mode (a full bucket must leak within 110 days)");
  }
  const int64_t g = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(drain / kLeakySubWindows)));
  const int64_t current = now / g * g;
  const int64_t history_start = current - (count - 1) * g;  // before the epoch: no counters
  const std::string key = absl::StrCat(core::HashKey(req.name, req.unique_key), kLeakyKeySuffix);
  if (key.size() > kMaxKeyBytes) {
    return Error(absl::StrCat("leaky bucket keys longer than ",
                              kMaxKeyBytes - (sizeof(kLeakyKeySuffix) - 1),
                              " bytes are not supported in mesh mode"));
  }
  std::vector<WindowKey> windows;
  for (int64_t i = count - 1; i >= 0; --i) {
    const int64_t start = current - i * g;
    if (start < 0) continue;
    // A sub-window's counter is kept as long as it is in the history.
    windows.push_back(WindowKey{key, start, start + (count + 1) * g});
  }

  if (absl::Status s = ResetIfAsked(table, req, windows); !s.ok()) {
    return Error(std::string(s.message()));
  }
  long double level = 0;
  int64_t add = 0;
  bool admitted = false;
  const bool drain_over = req.Has(core::behavior::kDrainOverLimit);
  absl::Status status = table.ChargeWith(windows, [&](absl::Span<const int64_t> totals) {
    long double suffix = 0;
    for (size_t i = totals.size(); i-- > 0;) {
      suffix += totals[i];
      const int64_t end = windows[i].start + g;
      level = std::max(level, suffix - rate * std::max<int64_t>(0, now - end));
    }
    // Before the history the level was at most the burst.
    level = std::max(level, burst + suffix - rate * (now - history_start));
    const int64_t room = std::max<int64_t>(0, static_cast<int64_t>(std::floor(burst - level)));
    admitted = req.hits <= room;
    add = req.hits == 0 ? 0 : (admitted ? req.hits : (drain_over ? room : 0));
    return add;
  });
  if (!status.ok()) return Error(std::string(status.message()));
  level += add;
  core::RateLimitResponse resp;
  resp.status = admitted ? core::Status::kUnderLimit : core::Status::kOverLimit;
  resp.limit = req.limit;
  resp.remaining = std::max<int64_t>(0, static_cast<int64_t>(std::floor(burst - level)));
  // When the bucket is empty again.
  resp.reset_time = now + static_cast<int64_t>(std::ceil(level / rate));
  return resp;
}

}  // namespace sluice::mesh
