#include "cluster/cluster_health.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/host_port.h"
#include "common/loopback_host.h"

namespace sluice::cluster {

std::string LoopbackAdvertiseProblem(const std::string& advertise,
                                     const std::vector<PeerInfo>& peers) {
  auto host_of = [](const std::string& address) {
    auto split = common::SplitHostPort(address);
    return split.ok() ? split->host : address;
  };
  if (!common::IsLoopbackHost(host_of(advertise))) return "";
  for (const PeerInfo& peer : peers) {
    if (peer.is_self || common::IsLoopbackHost(host_of(peer.grpc_address))) continue;
    return absl::StrCat("this node advertises ", advertise, ", a loopback address, but peer ",
                        peer.grpc_address,
                        " is on another host and would dial itself for this node's keys; set "
                        "--advertise-addr (GUBER_ADVERTISE_ADDRESS) to the address peers reach "
                        "this node at, or bind a non-loopback address");
  }
  return "";
}

HealthReport BuildHealthReport(const ClusterView& view, const std::string& advertise_address,
                               int64_t now, absl::Duration error_window) {
  HealthReport report;
  report.local_peers = view.ring.peers();
  report.region_peers = view.region_peers;
  report.peer_count = static_cast<int>(report.local_peers.size() + report.region_peers.size());
  const bool self_listed =
      std::any_of(report.local_peers.begin(), report.local_peers.end(),
                  [&](const PeerInfo& p) { return p.grpc_address == advertise_address; });
  if (self_listed) report.advertise_address = advertise_address;

  std::vector<std::string> errors;
  const int64_t since = now - absl::ToInt64Milliseconds(error_window);
  for (const PeerInfo& peer : report.local_peers) {  // in the list's order: stable messages
    PeerClient* client = view.ClientFor(peer.grpc_address);
    if (client == nullptr) continue;
    for (const std::string& err : client->ErrorsSince(since)) {
      errors.push_back(absl::StrCat("error returned from local peer.GetLastErr: from host ",
                                    peer.grpc_address, ": ", err));
    }
  }
  if (!self_listed) errors.push_back("this instance is not found in the peer list");
  if (std::string loopback = LoopbackAdvertiseProblem(advertise_address, report.local_peers);
      !loopback.empty()) {
    errors.push_back(std::move(loopback));
  }
  if (!errors.empty()) {
    report.healthy = false;
    report.message = absl::StrJoin(errors, "|");
  }
  return report;
}

HealthReport ClusterHealth::Report(int64_t now) const {
  std::shared_ptr<const ClusterView> view = view_();
  if (!view) view = std::make_shared<const ClusterView>();
  return BuildHealthReport(*view, advertise_address_, now, error_window_);
}

}  // namespace sluice::cluster
