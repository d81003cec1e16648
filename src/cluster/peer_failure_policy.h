// PeerFailurePolicy: what a cluster node answers for a key whose owner cannot be reached
// (--on-peer-failure; docs/cluster.md, "Failure policy"). The owner is unreachable when a
// forward finally fails: connection refused or reset (a killed owner), or no answer within
// --batch-timeout (a stopped or overloaded one), after the retries ClusterRouter makes.
//
//   error  an item error naming the key and the peer (Gubernator's behaviour; the default). The
//          Envoy door turns it into UNAVAILABLE, so Envoy's failure_mode_deny decides.
//   allow  UNDER_LIMIT, nothing counted anywhere: availability over the limit.
//   deny   OVER_LIMIT, nothing counted: the limit over availability.
//   local  decided by this node's limiter against limit ÷ healthy nodes (rounded up), so that
//          the nodes that still answer share the limit between them until the owner is back.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/rate_limit.h"

namespace sluice::cluster {

enum class PeerFailurePolicy { kError, kAllow, kDeny, kLocal };

// "error", "allow", "deny", "local".
std::string_view PeerFailurePolicyName(PeerFailurePolicy policy);

// Parses a name as spelled above; nullopt when unknown.
std::optional<PeerFailurePolicy> ParsePeerFailurePolicy(std::string_view name);

// The answer of `allow` or `deny` to `request` at `now` (epoch ms): the request's limit, all of
// it (allow) or none of it (deny) remaining, resetting one duration after now.
core::RateLimitResponse FixedPolicyAnswer(PeerFailurePolicy policy,
                                          const core::RateLimitRequest& request, int64_t now);

// The share of `limit` that `local` decides against: limit ÷ healthy_nodes rounded up (at least
// one node; a limit of 0 stays 0).
int64_t LocalShare(int64_t limit, int64_t healthy_nodes);

}  // namespace sluice::cluster
