#include "server/peer_failure_answers.h"

#include <string>

namespace sluice::server {

uint64_t PeerFailureAnswers(const cluster::ClusterRouterStats& stats,
                            cluster::PeerFailurePolicy policy) {
  switch (policy) {
    case cluster::PeerFailurePolicy::kAllow:
      return stats.policy_allow;
    case cluster::PeerFailurePolicy::kDeny:
      return stats.policy_deny;
    case cluster::PeerFailurePolicy::kLocal:
      return stats.policy_local;
    case cluster::PeerFailurePolicy::kError:
      break;
  }
  return stats.peer_errors;
}

void BindPeerFailureMetrics(obs::Registry& registry, const cluster::ClusterRouter* router) {
  for (auto policy : {cluster::PeerFailurePolicy::kError, cluster::PeerFailurePolicy::kAllow,
                      cluster::PeerFailurePolicy::kDeny, cluster::PeerFailurePolicy::kLocal}) {
    registry.AddCallbackCounter(
        "sluice_peer_failure_answers_total",
        "Items whose owner could not be reached, answered under --on-peer-failure, by policy "
        "(error: a per-item error).",
        {{"policy", std::string(cluster::PeerFailurePolicyName(policy))}},
        [router, policy] {
          return router == nullptr
                     ? 0.0
                     : static_cast<double>(PeerFailureAnswers(router->stats(), policy));
        });
  }
}

}  // namespace sluice::server
