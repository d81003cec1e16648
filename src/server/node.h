// Node: one running Sluice — the store and limiter, the mode's router (node_builder.h), every
// door (gRPC, HTTP) — wired from a Config. This is also the embedding API: a C++ service can run
// a Node in-process.
//
// Thread safety: Start() and Shutdown() from one thread; the rest is internally synchronized.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/config.h"

namespace sluice::server {

class Node {
 public:
  // Builds and starts a node; fails with a message naming the setting or address at fault.
  static absl::StatusOr<std::unique_ptr<Node>> Start(const Config& config);
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
  // The doors over the mode's router: the Gubernator and Envoy handlers, their gRPC services,
  // the rules (loaded, and watched unless --no-rules-watch).
  static absl::Status BuildDoors(Parts& p);
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace sluice::server
