// StaticMembership: a fixed peer list from configuration (--peers / GUBER_STATIC_PEERS-style).
//
// Start validates every entry as host:port (see SplitHostPort) and the advertise address the
// same way, then calls on_change exactly once, inline on Start's thread, with one PeerInfo per
// entry in the given order, self marked by the advertise address. This node is always a member:
// if the list omits the advertise address, self is appended. The list never changes afterwards.
//
// Thread safety: as Membership. Start and Stop from one owner thread; no threads of its own.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cluster/membership.h"

namespace sluice::cluster {

class StaticMembership final : public Membership {
 public:
  // `peers`: gRPC addresses ("host:port", IPv6 as "[addr]:port"), may include this node.
  // `advertise_address`: this node's gRPC address as peers dial it.
  StaticMembership(std::vector<std::string> peers, std::string advertise_address);

  // InvalidArgument naming the first bad or repeated entry (nothing is reported then);
  // FailedPrecondition if already started.
  absl::Status Start(PeersChangedCallback on_change) override;
  void Stop() override {}

  // The validated list Start reports; InvalidArgument as Start. Does not need Start.
  absl::StatusOr<std::vector<PeerInfo>> BuildPeers() const;

 private:
  std::vector<std::string> addresses_;
  std::string advertise_address_;
  bool started_ = false;
};

}  // namespace sluice::cluster
