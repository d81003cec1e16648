#include "mesh/mesh_health.h"

namespace sluice::mesh {

void MeshHealth::Fill(pb::gubernator::HealthCheckResp* resp) const {
  const auto peers = mesh_.Peers();
  resp->set_status("healthy");
  resp->set_advertise_address(advertise_address_);
  resp->set_peer_count(static_cast<int32_t>(peers.size()));
  for (const auto& peer : peers) {
    auto* out = resp->add_local_peers();
    out->set_grpc_address(peer.grpc_address);
    out->set_data_center(peer.data_center);
  }
}

}  // namespace sluice::mesh
