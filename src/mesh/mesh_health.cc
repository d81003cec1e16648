#include "mesh/mesh_health.h"

namespace sluice::mesh {

cluster::HealthReport MeshHealth::Report(int64_t now) const { return mesh_.Health(now); }

}  // namespace sluice::mesh
