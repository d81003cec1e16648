#include "mesh/mesh_health.h"

namespace sluice::mesh {

cluster::HealthReport MeshHealth::Report(int64_t /*now*/) const {
  std::vector<cluster::PeerInfo> peers = mesh_.Peers();
  return cluster::HealthReport{.peer_count = static_cast<int>(peers.size()),
                               .advertise_address = advertise_address_,
                               .local_peers = std::move(peers)};
}

}  // namespace sluice::mesh
