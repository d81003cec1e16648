// Node: one running Sluice — a cluster member (include/sluice/cluster_member.h: the store and
// limiter, the mode's router, the doors' handlers) served on the node's own gRPC server, with the
// HTTP door, /metrics and the status page — wired from a Config. A C++ service that wants the
// member on its own server uses sluice::ClusterMember instead.
//
// Thread safety: Start() and Shutdown() from one thread; the rest is internally synchronized.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/config.h"
#include "server/status_report.h"

namespace sluice::server {

class Node {
 public:
  // Builds and starts a node; fails with a message naming the setting or address at fault.
  // `settings`: what the status page lists as the effective settings (StatusSettings()).
  static absl::StatusOr<std::unique_ptr<Node>> Start(const Config& config,
                                                     std::vector<StatusSetting> settings = {});
  ~Node();

  // Graceful stop: reports shutting down, stops accepting, drains in-flight calls, exits.
  void Shutdown();

  // Re-reads reloadable state (rules, certificates). Used by SIGHUP.
  void Reload();

  int grpc_port() const;
  int http_port() const;
  const std::string& advertise_address() const;

 private:
  struct Parts;
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace sluice::server
