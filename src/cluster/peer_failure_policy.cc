#include "cluster/peer_failure_policy.h"

#include <algorithm>
#include <array>
#include <utility>

#include "core/saturating.h"

namespace sluice::cluster {
namespace {

constexpr std::array<std::pair<PeerFailurePolicy, std::string_view>, 4> kNames = {{
    {PeerFailurePolicy::kError, "error"},
    {PeerFailurePolicy::kAllow, "allow"},
    {PeerFailurePolicy::kDeny, "deny"},
    {PeerFailurePolicy::kLocal, "local"},
}};

}  // namespace

std::string_view PeerFailurePolicyName(PeerFailurePolicy policy) {
  for (const auto& [p, name] : kNames) {
    if (p == policy) return name;
  }
  return "error";
}

std::optional<PeerFailurePolicy> ParsePeerFailurePolicy(std::string_view name) {
  for (const auto& [p, spelled] : kNames) {
    if (spelled == name) return p;
  }
  return std::nullopt;
}

core::RateLimitResponse FixedPolicyAnswer(PeerFailurePolicy policy,
                                          const core::RateLimitRequest& request, int64_t now) {
  const bool allow = policy == PeerFailurePolicy::kAllow;
  return core::RateLimitResponse{
      .status = allow ? core::Status::kUnderLimit : core::Status::kOverLimit,
      .limit = request.limit,
      .remaining = allow ? std::max<int64_t>(0, request.limit) : 0,
      .reset_time = core::SatAdd(now, std::max<int64_t>(0, request.duration))};
}

int64_t LocalShare(int64_t limit, int64_t healthy_nodes) {
  const int64_t nodes = std::max<int64_t>(1, healthy_nodes);
  if (limit <= 0) return limit;
  return limit / nodes + (limit % nodes != 0 ? 1 : 0);
}

}  // namespace sluice::cluster
