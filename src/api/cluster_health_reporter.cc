#include "api/cluster_health_reporter.h"

namespace sluice::api {

void ClusterHealthReporter::Fill(pb::gubernator::HealthCheckResp* resp) const {
  FillHealth(health_.Report(clock_.NowMillis()), resp);
}

void FillHealth(const cluster::HealthReport& report, pb::gubernator::HealthCheckResp* resp) {
  resp->set_status(report.healthy ? "healthy" : "unhealthy");
  resp->set_message(report.message);
  resp->set_peer_count(report.peer_count);
  resp->set_advertise_address(report.advertise_address);
  for (const auto& peer : report.local_peers) {
    auto* p = resp->add_local_peers();
    p->set_grpc_address(peer.grpc_address);
    p->set_data_center(peer.data_center);
  }
  for (const auto& peer : report.region_peers) {
    auto* p = resp->add_region_peers();
    p->set_grpc_address(peer.grpc_address);
    p->set_data_center(peer.data_center);
  }
}

}  // namespace sluice::api
