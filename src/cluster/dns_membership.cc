#include "cluster/dns_membership.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/host_port.h"

namespace sluice::cluster {
namespace {

// The textual form of one getaddrinfo result, or "" for a family we do not handle.
std::string AddressText(const addrinfo& info) {
  char text[INET6_ADDRSTRLEN] = {};
  if (info.ai_family == AF_INET && info.ai_addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in address;
    std::memcpy(&address, info.ai_addr, sizeof(address));
    if (inet_ntop(AF_INET, &address.sin_addr, text, sizeof(text)) != nullptr) return text;
  } else if (info.ai_family == AF_INET6 && info.ai_addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 address;
    std::memcpy(&address, info.ai_addr, sizeof(address));
    if (inet_ntop(AF_INET6, &address.sin6_addr, text, sizeof(text)) != nullptr) return text;
  }
  return "";
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ResolveWithGetaddrinfo(std::string_view fqdn) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;      // A and AAAA
  hints.ai_socktype = SOCK_STREAM;  // one entry per address rather than one per socket type
  addrinfo* result = nullptr;
  const std::string name(fqdn);  // also for StrCat: this abseil's string_view is not std's
  const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    if (rc == EAI_NONAME || rc == EAI_NODATA) {
      return absl::NotFoundError(absl::StrCat("resolving \"", name, "\": ", gai_strerror(rc)));
    }
    const std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    return absl::UnavailableError(absl::StrCat("resolving \"", name, "\": ", why));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(result, &freeaddrinfo);
  std::vector<std::string> addresses;
  for (const addrinfo* info = result; info != nullptr; info = info->ai_next) {
    std::string text = AddressText(*info);
    if (!text.empty() && std::find(addresses.begin(), addresses.end(), text) == addresses.end()) {
      addresses.push_back(std::move(text));
    }
  }
  return addresses;
}

DnsMembership::DnsMembership(DnsMembershipOptions options, const MembershipMetrics* metrics)
    : PollingMembership("dns", options.advertise_address, options.interval,
                        /*first_round_inline=*/true, metrics),
      options_(std::move(options)),
      advertise_(common::SplitHostPort(options_.advertise_address)) {}

DnsMembership::~DnsMembership() { Stop(); }

absl::Status DnsMembership::ValidateOptions() const {
  if (options_.fqdns.empty()) {
    return absl::InvalidArgumentError("dns membership needs at least one FQDN");
  }
  for (const std::string& fqdn : options_.fqdns) {
    if (fqdn.empty()) return absl::InvalidArgumentError("dns membership: empty FQDN");
  }
  if (!advertise_.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dns membership advertise address: ", advertise_.status().message()));
  }
  if (options_.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("dns membership interval must be > 0, got ",
                                                   absl::FormatDuration(options_.interval)));
  }
  if (!options_.resolver) return absl::InvalidArgumentError("dns membership has no resolver");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PeerInfo>> DnsMembership::Poll() {
  if (absl::Status s = ValidateOptions(); !s.ok()) return s;  // ResolveOnce may precede Start
  std::vector<PeerInfo> peers;
  for (const std::string& fqdn : options_.fqdns) {
    absl::StatusOr<std::vector<std::string>> addresses = options_.resolver(fqdn);
    if (absl::IsNotFound(addresses.status())) continue;  // this name has no peers right now
    if (!addresses.ok()) {
      return absl::Status(addresses.status().code(),
                          absl::StrCat("resolving \"", fqdn, "\": ", addresses.status().message()));
    }
    for (const std::string& ip : *addresses) {
      if (ip.empty()) continue;
      PeerInfo peer{.grpc_address = common::JoinHostPort(ip, advertise_->port)};
      if (options_.http_port != 0) peer.http_address = common::JoinHostPort(ip, options_.http_port);
      peers.push_back(std::move(peer));
    }
  }
  if (peers.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no addresses for ", absl::StrJoin(options_.fqdns, ", ")));
  }
  return peers;
}

}  // namespace sluice::cluster
