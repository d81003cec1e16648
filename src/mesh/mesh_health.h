// MeshHealth: what V1.HealthCheck reports on a mesh node — Mesh::Health (mesh_health_report.h)
// in the wire shape: the mesh's members (this node included) as local_peers and peer_count;
// unhealthy while the node is alone although it has seeds.
//
// Thread safety: Fill may be called from any thread. The Mesh must outlive this object.
#pragma once

#include <string>

#include "api/health.h"
#include "mesh/mesh.h"

namespace sluice::mesh {

class MeshHealth final : public api::HealthReporter {
 public:
  explicit MeshHealth(const Mesh& mesh) : mesh_(mesh) {}
  void Fill(pb::gubernator::HealthCheckResp* resp) const override;

 private:
  const Mesh& mesh_;
};

}  // namespace sluice::mesh
