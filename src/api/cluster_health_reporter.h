// ClusterHealthReporter: V1.HealthCheck for a node in a cluster — cluster::ClusterHealth's
// report, stamped with the clock at the door and written to the wire shape.
//
// Thread safety: Fill() may be called from any thread concurrently.
#pragma once

#include "api/health.h"
#include "cluster/cluster_health.h"
#include "core/clock.h"

namespace sluice::api {

class ClusterHealthReporter final : public HealthReporter {
 public:
  // Both must outlive the reporter.
  ClusterHealthReporter(const cluster::ClusterHealth& health, const core::Clock& clock)
      : health_(health), clock_(clock) {}

  void Fill(pb::gubernator::HealthCheckResp* resp) const override;

 private:
  const cluster::ClusterHealth& health_;
  const core::Clock& clock_;
};

// Writes `report` in the wire shape (status "healthy" or "unhealthy").
void FillHealth(const cluster::HealthReport& report, pb::gubernator::HealthCheckResp* resp);

}  // namespace sluice::api
