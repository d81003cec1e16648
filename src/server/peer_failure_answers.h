// Peer-failure answers: how many items a cluster node answered under --on-peer-failure
// (cluster/peer_failure_policy.h), as the status page shows them (docs/cluster.md "Failure
// policy"). The counts are the series of sluice_peer_failure_answers_total{policy} that the
// router increments (cluster/cluster_metrics.h); the status page reads those, so it shows what
// /metrics exports. --fail-open answers are not under a policy and are not counted here.
//
// Thread safety: a pure read of atomic counters; callable from any thread.
#pragma once

#include <cstdint>

#include "cluster/cluster_metrics.h"
#include "cluster/peer_failure_policy.h"

namespace sluice::server {

// Items `metrics` counts as answered under `policy`.
uint64_t PeerFailureAnswers(const cluster::ClusterRouterMetrics& metrics,
                            cluster::PeerFailurePolicy policy);

}  // namespace sluice::server
