// CounterRequest: the core request that counts one resolved Envoy limit (rules/resolve_limits.h)
// on the limiter: name "envoy", the limit's counter key, its hits, limit, window and algorithm,
// stamped `now`. The Envoy door counts with it; the counter admin (admin_counters.h) reads and
// resets the same counters with it, so both always address the same key.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "core/rate_limit.h"
#include "rules/resolve_limits.h"
#include "rules/rule.h"

namespace sluice::api {

// The core algorithm a rule's `algorithm:` names.
core::Algorithm CoreAlgorithm(rules::RuleAlgorithm algorithm);

// The request for `limit` (its counter key is moved out) at `now`, with `behavior`.
core::RateLimitRequest CounterRequest(rules::ResolvedLimit& limit, int64_t now, int32_t behavior);

}  // namespace sluice::api
