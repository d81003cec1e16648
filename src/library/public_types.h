// The public request and answer (include/sluice/limiter.h) to and from the core's, field for
// field: shared by sluice::Limiter and sluice::ClusterMember (which goes on to the wire with
// cluster/peer_wire.h). Pure functions.
#pragma once

#include <utility>

#include "core/rate_limit.h"
#include "sluice/limiter.h"

namespace sluice {

inline core::RateLimitRequest ToCore(const Request& r) {
  core::RateLimitRequest c;
  c.name = r.name;
  c.unique_key = r.unique_key;
  c.hits = r.hits;
  c.limit = r.limit;
  c.duration = r.duration;
  c.algorithm = static_cast<int32_t>(r.algorithm);
  c.behavior = r.behavior;
  c.burst = r.burst;
  c.created_at = r.created_at;
  return c;
}

inline Answer FromCore(core::RateLimitResponse c) {
  Answer a;
  a.status = static_cast<LimitStatus>(c.status);
  a.limit = c.limit;
  a.remaining = c.remaining;
  a.reset_time = c.reset_time;
  a.error = std::move(c.error);
  return a;
}

}  // namespace sluice
