#include "api/health.h"

namespace sluice::api {

void StandaloneHealth::Fill(pb::gubernator::HealthCheckResp* resp) const {
  resp->set_status("healthy");
  resp->set_peer_count(1);
  resp->set_advertise_address(advertise_address_);
  auto* self = resp->add_local_peers();
  self->set_grpc_address(advertise_address_);
}

}  // namespace sluice::api
