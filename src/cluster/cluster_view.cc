#include "cluster/cluster_view.h"

#include <utility>

namespace sluice::cluster {

PeerClient* ClusterView::ClientFor(const std::string& grpc_address) const {
  auto it = clients.find(grpc_address);
  return it == clients.end() ? nullptr : it->second.get();
}

absl::StatusOr<ClusterViewChange> BuildClusterView(std::vector<PeerInfo> peers,
                                                   const ClusterView* previous,
                                                   const PeerClientFactory& factory,
                                                   const ClusterViewOptions& options) {
  auto view = std::make_shared<ClusterView>();
  std::vector<PeerInfo> local;
  for (PeerInfo& peer : peers) {
    if (peer.data_center == options.data_center) {
      local.push_back(std::move(peer));
    } else {
      view->region_peers.push_back(std::move(peer));
    }
  }
  absl::StatusOr<Ring> ring = Ring::Build(std::move(local), options.ring);
  if (!ring.ok()) return ring.status();
  view->ring = *std::move(ring);

  ClusterViewChange change;
  for (const PeerInfo& peer : view->ring.peers()) {
    if (peer.is_self) continue;
    std::shared_ptr<PeerClient> client;
    if (previous != nullptr) {
      auto it = previous->clients.find(peer.grpc_address);
      // Reused only when the peer is the same (an http address or DC change gets a new client).
      if (it != previous->clients.end() && it->second->info() == peer) client = it->second;
    }
    if (!client) client = factory(peer);
    view->clients.emplace(peer.grpc_address, std::move(client));
  }
  if (previous != nullptr) {
    for (const auto& [address, client] : previous->clients) {
      auto it = view->clients.find(address);
      if (it == view->clients.end() || it->second != client) change.removed.push_back(client);
    }
  }
  change.view = std::move(view);
  return change;
}

}  // namespace sluice::cluster
