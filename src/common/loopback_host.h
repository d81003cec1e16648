// IsLoopbackHost: whether a host is one only this machine reaches — 127.0.0.0/8, "::1" and
// "localhost". The advertise-address checks use it at start-up (server/advertise_address.h) and
// on every later membership change (cluster/cluster_health.h). Pure; header-only.
#pragma once

#include <string_view>

namespace sluice::common {

inline bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

}  // namespace sluice::common
