// MeshRouter: the Router of a mesh node. Every request is decided here, from the local
// replicated counters (Mesh::Decide), with no network round trip; `done` runs inline. Responses
// carry reset_time = the end of the request's window and never an owner.
//
// Thread safety: Route may be called from any thread concurrently.
#pragma once

#include "cluster/router.h"
#include "mesh/mesh.h"

namespace sluice::mesh {

class MeshRouter final : public cluster::Router {
 public:
  // `mesh` must outlive the router.
  explicit MeshRouter(Mesh& mesh) : mesh_(mesh) {}
  void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) override;

 private:
  Mesh& mesh_;
};

}  // namespace sluice::mesh
