#include "cluster/peer_info.h"

#include <ostream>

namespace sluice::cluster {

std::ostream& operator<<(std::ostream& os, const PeerInfo& peer) {
  os << "{grpc=" << peer.grpc_address << ", http=" << peer.http_address
     << ", dc=" << peer.data_center;
  if (peer.is_self) os << ", self";
  return os << "}";
}

}  // namespace sluice::cluster
