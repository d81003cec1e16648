// MeshHealth: what V1.HealthCheck reports on a mesh node — healthy, with the mesh's current
// members (this node included) as local_peers and their count as peer_count. A mesh node
// decides locally, so an unreachable peer never makes it unhealthy.
//
// Thread safety: Fill may be called from any thread. The Mesh must outlive this object.
#pragma once

#include <string>

#include "api/health.h"
#include "mesh/mesh.h"

namespace sluice::mesh {

class MeshHealth final : public api::HealthReporter {
 public:
  MeshHealth(const Mesh& mesh, std::string advertise_address)
      : mesh_(mesh), advertise_address_(std::move(advertise_address)) {}
  void Fill(pb::gubernator::HealthCheckResp* resp) const override;

 private:
  const Mesh& mesh_;
  std::string advertise_address_;
};

}  // namespace sluice::mesh
