// host:port addresses: the one set of rules every flag, peer list and listener uses to split and
// join them, and the test for a wildcard (bind-everywhere) host.
//
// Rules: host is a name or IPv4 literal (letters, digits, '.', '-', '_'), or an IPv6 literal in
// brackets ("[::1]:1051"); an unbracketed IPv6 host ("::1:1051") is refused, since its port
// cannot be told from its last group. Port is decimal, 1-65535; 0 too where a listener may let
// the kernel pick.
//
// Thread safety: plain value type and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace sluice::common {

// An address split into its parts. `host` has no brackets, even when it is IPv6.
struct HostPort {
  std::string host;
  uint16_t port = 0;

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Whether port 0 ("any free port") is a valid port for the address being parsed.
enum class PortZero { kRefused, kAllowed };

// Parses "host:port" by the rules above. InvalidArgument quoting `address` and saying what is
// wrong otherwise.
absl::StatusOr<HostPort> SplitHostPort(std::string_view address,
                                       PortZero port_zero = PortZero::kRefused);

// The inverse of SplitHostPort: "host:port", bracketing host when it contains ':' (IPv6).
std::string JoinHostPort(std::string_view host, uint16_t port);

// True for a host that binds every interface and so names no one peer: "0.0.0.0", "::" or "".
bool IsWildcardHost(std::string_view host);

}  // namespace sluice::common
