// The one place that maps a request's algorithm number to its algorithm.
#include <string>

#include "core/algorithm.h"

namespace sluice::core {

RateLimitResponse ApplyAlgorithm(std::optional<BucketItem>& item, const RateLimitRequest& req,
                                 int64_t now) {
  switch (static_cast<Algorithm>(req.algorithm)) {
    case Algorithm::kTokenBucket:
      return ApplyTokenBucket(item, req, now);
    case Algorithm::kLeakyBucket:
      return ApplyLeakyBucket(item, req, now);
    case Algorithm::kFixedWindow:
      return ApplyFixedWindow(item, req, now);
    case Algorithm::kSlidingWindow:
      return ApplySlidingWindow(item, req, now);
  }
  RateLimitResponse resp;
  resp.error = "Invalid rate limit algorithm '" + std::to_string(req.algorithm) + "'";
  return resp;
}

}  // namespace sluice::core
