#include "server/peer_failure_answers.h"

namespace sluice::server {

uint64_t PeerFailureAnswers(const cluster::ClusterRouterMetrics& metrics,
                            cluster::PeerFailurePolicy policy) {
  const obs::Counter* counter = metrics.policy_error;
  switch (policy) {
    case cluster::PeerFailurePolicy::kAllow:
      counter = metrics.policy_allow;
      break;
    case cluster::PeerFailurePolicy::kDeny:
      counter = metrics.policy_deny;
      break;
    case cluster::PeerFailurePolicy::kLocal:
      counter = metrics.policy_local;
      break;
    case cluster::PeerFailurePolicy::kError:
      break;
  }
  return static_cast<uint64_t>(counter->Value());
}

}  // namespace sluice::server
