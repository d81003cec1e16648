// ClusterHealth: the cluster's answer to V1.HealthCheck (reference/gubernator.md §3.7), computed
// from the current ClusterView and the peer clients' recorded errors.
//
//  * peer_count = local peers + region peers; local_peers / region_peers list them.
//  * advertise_address = this node's advertise address if it is among the local peers, else "".
//  * Unhealthy while any peer client recorded an error within `error_window` before `now`: one
//    message "error returned from local peer.GetLastErr: from host <addr>: <err>" per distinct
//    error, joined with "|"; "this instance is not found in the peer list" is appended when this
//    node is not a local peer. Gubernator's window is 5 minutes; Sluice's default is 30 s so a
//    cluster turns healthy again soon after a dead peer left the ring (docs/cluster.md).
//  * Unhealthy while this node advertises a loopback address and a peer is on another host
//    (LoopbackAdvertiseProblem): such a peer, found by etcd, DNS or k8s after start-up, would
//    dial itself for this node's keys. Start-up refuses the case for peers known then.
//  * A forward's failure is recorded by the peer client before the request's answer is
//    released, so a HealthCheck made after a failed answer always reports it, until
//    `error_window` after the failure (cluster_health_test.cc pins this down).
//
// Time comes in as `now` (epoch ms); the door stamps it. Thread safety: Report() may be called
// from any thread concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cluster/cluster_view.h"
#include "cluster/health.h"
#include "cluster/peer_info.h"

namespace sluice::cluster {

// "" when `advertise` (host:port) is not on loopback or every peer is; else the message that
// names the first peer on another host and the setting to fix.
std::string LoopbackAdvertiseProblem(const std::string& advertise,
                                     const std::vector<PeerInfo>& peers);

// The report for `view` at `now`; pure.
HealthReport BuildHealthReport(const ClusterView& view, const std::string& advertise_address,
                               int64_t now, absl::Duration error_window);

class ClusterHealth final : public HealthSource {
 public:
  using ViewSource = std::function<std::shared_ptr<const ClusterView>()>;

  // `error_window`: how long a peer error keeps the node unhealthy. Default: 30 s.
  ClusterHealth(ViewSource view, std::string advertise_address,
                absl::Duration error_window = absl::Seconds(30))
      : view_(std::move(view)),
        advertise_address_(std::move(advertise_address)),
        error_window_(error_window) {}

  HealthReport Report(int64_t now) const override;

 private:
  const ViewSource view_;
  const std::string advertise_address_;
  const absl::Duration error_window_;
};

}  // namespace sluice::cluster
