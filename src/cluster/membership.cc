#include "cluster/membership.h"

namespace sluice::cluster {

Membership::~Membership() = default;

void MarkSelf(std::vector<PeerInfo>& peers, std::string_view advertise_address) {
  for (PeerInfo& peer : peers) peer.is_self = peer.grpc_address == advertise_address;
}

}  // namespace sluice::cluster
