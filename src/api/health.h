// The one adapter from a node's health (cluster::HealthReport, whichever mode made it) to the
// V1.HealthCheck answer (reference/gubernator.md §3.7).
//
// Thread safety: pure function.
#pragma once

#include "cluster/health.h"
#include "gubernator.pb.h"

namespace sluice::api {

// Writes status ("healthy"/"unhealthy"), message, peer_count, advertise_address, local_peers
// and region_peers.
void FillHealthCheckResp(const cluster::HealthReport& report,
                         pb::gubernator::HealthCheckResp* resp);

}  // namespace sluice::api
