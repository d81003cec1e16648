// PeerInfo: one member of the cluster as discovery sees it, plus the host:port helpers every
// discovery source uses to validate and build peer addresses.
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

#include "absl/status/status.h"
#include "absl/status/statusor.h"

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

// An address split into its parts. `host` has no brackets, even when it is IPv6.
struct HostPort {
  std::string host;
  uint16_t port = 0;

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Parses "host:port": host non-empty (a name or IPv4 literal of letters, digits, '.', '-', '_'),
// or an IPv6 literal in brackets ("[::1]:1051"); port a decimal number in 1–65535.
// InvalidArgument quoting `address` and saying what is wrong otherwise.
absl::StatusOr<HostPort> SplitHostPort(std::string_view address);

// The inverse of SplitHostPort: "host:port", bracketing host when it contains ':' (IPv6).
std::string JoinHostPort(std::string_view host, uint16_t port);

}  // namespace sluice::cluster
