#include "cluster/router.h"

#include <string>
#include <utility>

namespace sluice::cluster {

core::RateLimitResponse EvaluateLocally(core::Limiter& limiter, const core::RateLimitRequest& req,
                                        int64_t now) {
  // One key buffer per thread: the store copies the key only when it inserts a new entry.
  thread_local std::string buffer;
  const std::string_view key = core::HashKeyInto(buffer, req.name, req.unique_key);
  core::RateLimitResponse resp = limiter.Check(req, key, now);
  if (!resp.error.empty()) {
    resp.error = "Error while apply rate limit for '" + std::string(key) +
                 "': during workerPool.GetRateLimit: " + resp.error;
  }
  return resp;
}

void LocalRouter::Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) {
  std::vector<RoutedResponse> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    out[i].response = EvaluateLocally(limiter_, requests[i], now);
  }
  std::move(done)(std::move(out));
}

}  // namespace sluice::cluster
