#include "mesh/mesh_health.h"

#include "api/cluster_health_reporter.h"

namespace sluice::mesh {

void MeshHealth::Fill(pb::gubernator::HealthCheckResp* resp) const {
  api::FillHealth(mesh_.Health(), resp);
}

}  // namespace sluice::mesh
