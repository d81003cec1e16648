// AdvertiseAddress: which host a node tells its peers (etcd registration, static ring, mesh
// gossip) when it binds a wildcard host (0.0.0.0, ::, empty), and the start-up check that it is
// not advertising loopback to peers on other hosts.
//
// The choice (ChooseAdvertiseHost), in order:
//   1. the bound host, when it is not a wildcard;
//   2. when every peer named is on loopback, 127.0.0.1 (a cluster on one machine);
//   3. the address the kernel would send from to reach the first peer that is not on loopback
//      — the interface that reaches the peers;
//   4. the first non-loopback address of an interface that is up (IPv4 before IPv6, link-local
//      never);
//   5. 127.0.0.1.
// Each choice comes with the reason, which the node logs. Gubernator instead resolves the
// machine's host name, which is 127.0.0.1 in many containers and VMs (/etc/hosts), so nodes
// bound to 0.0.0.0 advertised an address no peer could reach.
//
// Thread safety: pure functions, except LocalAddresses and SourceAddressTowards which ask the
// kernel.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/loopback_host.h"

namespace sluice::server {

// One address of a local network interface.
struct InterfaceAddress {
  std::string interface;  // "eth0"
  std::string ip;         // "10.0.0.5", "fd00::5"
  bool loopback = false;
};

// The addresses of every interface that is up (getifaddrs), in the kernel's order.
std::vector<InterfaceAddress> LocalAddresses();

// The local address the kernel would send from to reach `host` (a name or an IP literal): a UDP
// socket connected to it, nothing sent. "" when the host does not resolve or has no route.
std::string SourceAddressTowards(const std::string& host);

struct AdvertiseChoice {
  std::string host;    // IP literal, no brackets
  std::string reason;  // for the log: why this one
};

struct AdvertiseInputs {
  std::string bind_host;                // the host part of the bound address
  std::vector<std::string> peer_hosts;  // hosts of the peers, seeds or discovery endpoints
  std::vector<InterfaceAddress> interfaces;                    // LocalAddresses()
  std::function<std::string(const std::string&)> route_source;  // SourceAddressTowards
};

AdvertiseChoice ChooseAdvertiseHost(const AdvertiseInputs& inputs);

// 127.0.0.0/8, ::1 and "localhost" (common/loopback_host.h).
using common::IsLoopbackHost;

// FailedPrecondition when `advertise` (host:port) is on loopback while one of `peers`
// (host:port) is not: such peers would dial themselves. The message names both settings.
absl::Status CheckAdvertiseReachable(std::string_view advertise_setting,
                                     const std::string& advertise,
                                     std::string_view peers_setting,
                                     const std::vector<std::string>& peers);

}  // namespace sluice::server
