// PeerInfo: one member of the cluster as discovery sees it. Discovery sources validate and build
// its addresses with common/host_port.h.
//
// A peer is identified by its gRPC address string exactly as advertised (Gubernator §3.2, §3.6):
// two PeerInfos with different spellings of the same endpoint are different peers. `is_self`
// marks the entry that is this node; it is set by comparing with this node's advertise address,
// never its bind address (see MarkSelf in membership.h).
//
// Thread safety: plain value type and pure functions.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>


namespace sluice::cluster {

struct PeerInfo {
  std::string grpc_address;  // host:port peers dial (PeersV1); the peer's identity on the ring
  std::string http_address;  // host:port of its HTTP gateway; empty when unknown
  std::string data_center;   // empty = the default data center
  bool is_self = false;      // this entry is the local node

  friend bool operator==(const PeerInfo&, const PeerInfo&) = default;
};

// For logs and test failure messages: {grpc=…, http=…, dc=…, self}.
std::ostream& operator<<(std::ostream& os, const PeerInfo& peer);

}  // namespace sluice::cluster
