#include "api/counter_request.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "rules/counter_key.h"

namespace sluice::api {

core::Algorithm CoreAlgorithm(rules::RuleAlgorithm algorithm) {
  switch (algorithm) {
    case rules::RuleAlgorithm::kTokenBucket:
      return core::Algorithm::kTokenBucket;
    case rules::RuleAlgorithm::kLeakyBucket:
      return core::Algorithm::kLeakyBucket;
    case rules::RuleAlgorithm::kSlidingWindow:
      return core::Algorithm::kSlidingWindow;
    case rules::RuleAlgorithm::kFixedWindow:
      break;
  }
  return core::Algorithm::kFixedWindow;
}

core::RateLimitRequest CounterRequest(rules::ResolvedLimit& limit, int64_t now, int32_t behavior) {
  core::RateLimitRequest r;
  r.name = rules::kEnvoyCounterName;
  r.unique_key = std::move(limit.counter_key);
  r.store_hash = limit.store_hash;
  r.hits = static_cast<int64_t>(std::min<uint64_t>(limit.hits, INT64_MAX));
  r.limit = limit.requests_per_unit;
  r.duration = limit.WindowSeconds() * 1000;
  r.algorithm = static_cast<int32_t>(CoreAlgorithm(limit.algorithm));
  r.behavior = behavior;
  r.created_at = now;
  return r;
}

}  // namespace sluice::api
