// MeshHealth: a mesh node's health — healthy, with the mesh's current members (this node
// included) as local_peers and their count as peer_count. A mesh node decides locally, so an
// unreachable peer never makes it unhealthy.
//
// Thread safety: Report may be called from any thread. The Mesh must outlive this object.
#pragma once

#include <string>

#include "cluster/health.h"
#include "mesh/mesh.h"

namespace sluice::mesh {

class MeshHealth final : public cluster::HealthSource {
 public:
  MeshHealth(const Mesh& mesh, std::string advertise_address)
      : mesh_(mesh), advertise_address_(std::move(advertise_address)) {}
  cluster::HealthReport Report(int64_t now) const override;

 private:
  const Mesh& mesh_;
  const std::string advertise_address_;
};

}  // namespace sluice::mesh
