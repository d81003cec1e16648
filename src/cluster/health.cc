#include "cluster/health.h"

namespace sluice::cluster {

HealthReport StandaloneHealth::Report(int64_t /*now*/) const {
  return HealthReport{.peer_count = 1,
                      .advertise_address = advertise_address_,
                      .local_peers = {PeerInfo{.grpc_address = advertise_address_}}};
}

}  // namespace sluice::cluster
