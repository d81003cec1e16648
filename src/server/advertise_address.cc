#include "server/advertise_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/host_port.h"

namespace sluice::server {
namespace {

std::string IpText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
              sizeof(text));
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
              sizeof(text));
  }
  return text;
}

bool IsLinkLocal(const std::string& ip) { return absl::StartsWithIgnoreCase(ip, "fe80:"); }

std::string HostOf(const std::string& address) {
  auto split = common::SplitHostPort(address);
  return split.ok() ? split->host : address;
}

}  // namespace

std::vector<InterfaceAddress> LocalAddresses() {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, &freeifaddrs);
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0) continue;
    std::string ip = IpText(entry->ifa_addr);
    if (ip.empty()) continue;
    out.push_back({.interface = entry->ifa_name,
                   .ip = std::move(ip),
                   .loopback = (entry->ifa_flags & IFF_LOOPBACK) != 0});
  }
  return out;
}

std::string SourceAddressTowards(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), "9", &hints, &result) != 0 || result == nullptr) return "";
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(result, &freeaddrinfo);
  const int fd = socket(result->ai_family, SOCK_DGRAM, 0);
  if (fd < 0) return "";
  std::string source;
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (connect(fd, result->ai_addr, result->ai_addrlen) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
    source = IpText(reinterpret_cast<const sockaddr*>(&local));
  }
  close(fd);
  return source;
}

AdvertiseChoice ChooseAdvertiseHost(const AdvertiseInputs& in) {
  if (!common::IsWildcardHost(in.bind_host)) {
    return {in.bind_host, "the address the server is bound to"};
  }
  const bool all_loopback =
      !in.peer_hosts.empty() &&
      std::all_of(in.peer_hosts.begin(), in.peer_hosts.end(),
                  [](const std::string& host) { return IsLoopbackHost(host); });
  if (all_loopback) return {"127.0.0.1", "every peer is on loopback"};
  auto interface_of = [&](const std::string& ip) {
    for (const auto& address : in.interfaces) {
      if (address.ip == ip) return address.interface;
    }
    return std::string("?");
  };
  for (const std::string& peer : in.peer_hosts) {
    if (IsLoopbackHost(peer) || !in.route_source) continue;
    const std::string source = in.route_source(peer);
    if (source.empty() || IsLoopbackHost(source) || common::IsWildcardHost(source)) continue;
    return {source, absl::StrCat("the address of interface ", interface_of(source),
                                 ", which routes to ", peer)};
  }
  for (bool want_v4 : {true, false}) {
    for (const auto& address : in.interfaces) {
      const bool v4 = address.ip.find(':') == std::string::npos;
      if (address.loopback || v4 != want_v4 || IsLinkLocal(address.ip)) continue;
      return {address.ip, absl::StrCat("the first non-loopback address (interface ",
                                       address.interface, "); no peer address to route to")};
    }
  }
  return {"127.0.0.1", "this machine has no non-loopback address"};
}

absl::Status CheckAdvertiseReachable(std::string_view advertise_setting,
                                     const std::string& advertise,
                                     std::string_view peers_setting,
                                     const std::vector<std::string>& peers) {
  if (!IsLoopbackHost(HostOf(advertise))) return absl::OkStatus();
  for (const std::string& peer : peers) {
    if (IsLoopbackHost(HostOf(peer))) continue;
    return absl::FailedPreconditionError(absl::StrCat(
        std::string(advertise_setting), ": this node would advertise ", advertise,
        ", a loopback address, but ", std::string(peers_setting), " lists ", peer,
        " on another host, which could not reach it; bind a non-loopback address or give the "
        "address peers reach this node at"));
  }
  return absl::OkStatus();
}

}  // namespace sluice::server
