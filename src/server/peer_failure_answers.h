// Peer-failure answers: how many items a cluster node answered under --on-peer-failure
// (cluster/peer_failure_policy.h), exported as sluice_peer_failure_answers_total{policy} and shown
// on the status page (docs/cluster.md "Failure policy").
//
// `error` answers are the items that got a forwarding error (ClusterRouterStats::peer_errors);
// `allow`, `deny` and `local` the items those policies answered. --fail-open answers are not
// under a policy and are not counted here.
//
// Thread safety: pure functions; the bound metrics read the router's atomic stats from any thread.
#pragma once

#include <cstdint>

#include "cluster/cluster_router.h"
#include "cluster/peer_failure_policy.h"
#include "obs/registry.h"

namespace sluice::server {

// Items `stats` counts as answered under `policy`.
uint64_t PeerFailureAnswers(const cluster::ClusterRouterStats& stats,
                            cluster::PeerFailurePolicy policy);

// Registers sluice_peer_failure_answers_total with one series per policy, reading `router`'s
// stats; every series reads 0 when `router` is null (standalone and mesh nodes), so dashboards
// need no guard. `router` must outlive every scrape of `registry`.
void BindPeerFailureMetrics(obs::Registry& registry, const cluster::ClusterRouter* router);

}  // namespace sluice::server
