// sluice::ClusterMember: a full member of a Sluice (or Gubernator) cluster inside a C++ program's
// own gRPC server. It serves Gubernator's V1 and PeersV1 and Envoy's RateLimitService (its rules
// from --rules) on the host's grpc::ServerBuilder, finds its peers (static list, DNS, etcd,
// Kubernetes, mesh), and routes every decision to the key's owner exactly as the `sluice` binary
// does — the binary is this class behind its own listeners (docs/library.md).
//
// Settings are the `sluice` binary's own, given as its command-line flags (docs/configuration.md):
// one vocabulary, parsed and validated in one place, so a member accepts every option a node
// does. Settings of the binary's listeners (--addr, --http-addr, --status-http-addr, --grpc-max-*,
// --http-threads, --shutdown-delay, --drain-timeout) have no effect: the host owns its server.
//
// Life cycle, from one thread:
//   Create → RegisterServices(builder) → builder.BuildAndStart() → Join() → ... Check() ...
//   → Leave() → the host stops its server → Stop() → destroy.
//
// Thread safety: Check() from any thread, concurrently, once joined; the rest from one thread.
// Check() blocks its caller while a peer answers (bounded by --batch-timeout); it must not run
// on a thread the member's own gRPC callbacks need (it may run in a synchronous handler).
//
// The one non-Sluice type in a signature is grpc::ServerBuilder: the services are registered on
// the host's own server, which is the point of a member. No protobuf or Abseil type appears.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sluice/limiter.h"
#include "sluice/status.h"

namespace grpc {
class ServerBuilder;
}  // namespace grpc

namespace sluice {

struct ClusterMemberOptions {
  // This member's gRPC address as its peers dial it: the host and port of the host's listener
  // (never a wildcard address). Required.
  std::string advertise_address;
  // The `sluice` binary's flags, e.g. {"--peers=10.0.0.1:1051,10.0.0.2:1051"},
  // {"--discovery=dns", "--dns-fqdn=sluice.internal"}, {"--rules=/etc/sluice/rules.yaml"},
  // {"--settings=/etc/sluice.yaml"}. Default: none = a standalone member.
  std::vector<std::string> settings;
  // Also read SLUICE_* and GUBER_* environment variables, as the binary does. Default: false.
  bool read_environment = false;
};

// One decision of a member, and where it was made.
struct RoutedAnswer {
  Answer answer;
  // The owner's advertised address when a peer decided (or this member answered a GLOBAL key
  // from its replica); empty when this member owns the key.
  std::string owner;
};

class ClusterMember {
 public:
  // Builds a member from `options`; nothing is served or joined yet. Fails with a message that
  // names the setting at fault (unknown flag, bad value, unreadable rules or snapshot, ...).
  static Status Create(const ClusterMemberOptions& options,
                       std::unique_ptr<ClusterMember>* member);
  ~ClusterMember();  // Stop()s
  ClusterMember(const ClusterMember&) = delete;
  ClusterMember& operator=(const ClusterMember&) = delete;

  // Registers Gubernator's V1, PeersV1 (when clustered) and Envoy's RateLimitService (its
  // descriptors matched against --rules; without rules it answers as the binary does) on
  // `builder`. Call once, before the host's builder.BuildAndStart(); the services must be served
  // on the listener that advertise_address names.
  void RegisterServices(grpc::ServerBuilder& builder);

  // Starts finding peers and the periodic snapshot. Call once the host's server is started (the
  // peers call PeersV1 right away). Fails as discovery does (etcd unreachable, ...).
  Status Join();

  // Decides `requests` as a GetRateLimits call to this member would: validated, routed to each
  // key's owner, answers index-aligned. Over the limit is an answer; an invalid item gets
  // Answer::error and the rest are still answered.
  std::vector<RoutedAnswer> Check(std::span<const Request> requests);

  // Stops being a member: health and LiveCheck report shutting down, etcd deletes the
  // registration. Call before the host stops its server. Idempotent.
  void Leave();
  // Once the host's server has stopped: the mesh's last push, GLOBAL sync and peer clients stop,
  // the last snapshot is written. Idempotent.
  void Stop();

  const std::string& advertise_address() const;
  // The member's metrics in the Prometheus text format (docs/operations.md), for the host's own
  // /metrics.
  std::string MetricsText() const;

  // Sluice's own wiring (src/server/cluster_member_parts.h), for the `sluice` binary's HTTP door
  // and status page; its definition is not installed.
  struct Parts;
  explicit ClusterMember(std::unique_ptr<Parts> parts);
  Parts& parts() { return *parts_; }

 private:
  std::unique_ptr<Parts> parts_;
};

}  // namespace sluice
