#include "cluster/static_membership.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/host_port.h"

namespace sluice::cluster {

StaticMembership::StaticMembership(std::vector<std::string> peers, std::string advertise_address)
    : addresses_(std::move(peers)), advertise_address_(std::move(advertise_address)) {}

absl::StatusOr<std::vector<PeerInfo>> StaticMembership::BuildPeers() const {
  if (absl::Status s = common::SplitHostPort(advertise_address_).status(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("advertise address: ", s.message()));
  }
  std::vector<PeerInfo> peers;
  peers.reserve(addresses_.size() + 1);
  absl::flat_hash_set<std::string_view> seen;
  for (size_t i = 0; i < addresses_.size(); ++i) {
    const std::string& address = addresses_[i];
    if (absl::Status s = common::SplitHostPort(address).status(); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("static peer #", i + 1, ": ", s.message()));
    }
    if (!seen.insert(address).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("static peer #", i + 1, ": \"", address, "\" is listed more than once"));
    }
    peers.push_back(PeerInfo{.grpc_address = address});
  }
  if (!seen.contains(advertise_address_)) {
    peers.push_back(PeerInfo{.grpc_address = advertise_address_});
  }
  MarkSelf(peers, advertise_address_);
  return peers;
}

absl::Status StaticMembership::Start(PeersChangedCallback on_change) {
  if (started_) return absl::FailedPreconditionError("static membership already started");
  absl::StatusOr<std::vector<PeerInfo>> peers = BuildPeers();
  if (!peers.ok()) return peers.status();
  started_ = true;
  if (on_change) on_change(*std::move(peers));
  return absl::OkStatus();
}

}  // namespace sluice::cluster
