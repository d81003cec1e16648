// ClusterView: one immutable snapshot of the cluster as this node sees it — the ring of the
// local data center's peers and a client for each of them except self — built from a
// membership report and swapped in whole (DESIGN.md §5, reference/gubernator.md §3.6).
//
// Peers of other data centers are kept for health only (Gubernator's region picker; MULTI_REGION
// is not implemented there either). Building a view reuses the previous view's client for every
// peer still present, so connections survive membership changes; clients of peers that left are
// returned so the caller can shut them down after the swap.
//
// Thread safety: a built view is immutable; share it as std::shared_ptr<const ClusterView>.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "cluster/peer_client.h"
#include "cluster/peer_info.h"
#include "cluster/ring.h"

namespace sluice::cluster {

struct ClusterViewOptions {
  // This node's data center; only peers with the same data_center join the ring. Default: "".
  std::string data_center;
  // Replicas and hash of the ring. Default: Gubernator's (512, FNV-1).
  RingOptions ring;
};

struct ClusterView {
  Ring ring;                           // local data center's peers, self included when listed
  std::vector<PeerInfo> region_peers;  // other data centers (health only)
  // A client per local peer other than self, by grpc_address.
  absl::flat_hash_map<std::string, std::shared_ptr<PeerClient>> clients;

  // The client for `grpc_address`, or nullptr (self, or not a local peer).
  PeerClient* ClientFor(const std::string& grpc_address) const;
};

// The result of BuildClusterView: the new view and the clients of `previous` it no longer uses.
struct ClusterViewChange {
  std::shared_ptr<const ClusterView> view;
  std::vector<std::shared_ptr<PeerClient>> removed;
};

// Builds the view for `peers` (self marked by is_self). `previous` may be null. New peers get a
// client from `factory`. InvalidArgument as Ring::Build (empty or repeated address, two selves).
absl::StatusOr<ClusterViewChange> BuildClusterView(std::vector<PeerInfo> peers,
                                                   const ClusterView* previous,
                                                   const PeerClientFactory& factory,
                                                   const ClusterViewOptions& options);

}  // namespace sluice::cluster
