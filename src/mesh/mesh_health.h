// MeshHealth: a mesh node's HealthSource — Mesh::Health (mesh_health_report.h): the mesh's
// members (this node included) as local_peers and peer_count; unhealthy while the node is alone
// although it has seeds, degraded with a message for suspect or dead peers and rejected datagrams.
//
// Thread safety: Report may be called from any thread. The Mesh must outlive this object.
#pragma once

#include <cstdint>

#include "cluster/health.h"
#include "mesh/mesh.h"

namespace sluice::mesh {

class MeshHealth final : public cluster::HealthSource {
 public:
  explicit MeshHealth(const Mesh& mesh) : mesh_(mesh) {}
  cluster::HealthReport Report(int64_t now) const override;

 private:
  const Mesh& mesh_;
};

}  // namespace sluice::mesh
