// ApplyReplaces: the `replaces` rule of envoyproxy/ratelimit (reference §3.4). Among the limits
// matched by the descriptors of ONE request, collect the `replaces` names of every matched limit;
// then every matched limit whose `name` is in that set is dropped, and its descriptor is answered
// OK with no limit, as if it had matched nothing. Unnamed and unlimited limits are never dropped.
//
// Thread safety: a pure function over caller-owned data. Allocates only when more than 8 limits
// are replaced; quadratic in the number of descriptors, which Envoy keeps small (one per
// `rate_limits` entry of a route).
#pragma once

#include "absl/types/span.h"
#include "rules/rule_set.h"

namespace sluice::rules {

// `hits` holds one element per descriptor, in request order (null policy: no limit). Replaced
// limits get a null policy in place. Returns how many were dropped.
int ApplyReplaces(absl::Span<RuleHit> hits);

}  // namespace sluice::rules
