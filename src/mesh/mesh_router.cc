#include "mesh/mesh_router.h"

#include <utility>

namespace sluice::mesh {

void MeshRouter::Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) {
  std::vector<core::RateLimitResponse> answers = mesh_.Decide(requests, now);
  std::vector<cluster::RoutedResponse> out(answers.size());
  for (size_t i = 0; i < answers.size(); ++i) {
    out[i].response = std::move(answers[i]);
    if (!out[i].response.error.empty()) {
      // The same shape as an error from a node's own limiter (cluster::EvaluateLocally).
      out[i].response.error = "Error while apply rate limit for '" +
                              core::HashKey(requests[i].name, requests[i].unique_key) +
                              "': during workerPool.GetRateLimit: " + out[i].response.error;
    }
  }
  std::move(done)(std::move(out));
}

}  // namespace sluice::mesh
