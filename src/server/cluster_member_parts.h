// What a sluice::ClusterMember (include/sluice/cluster_member.h) is made of: the persistence, the
// limiter, the mode's router and membership (node_builder.h), the status page's parts and the
// doors' handlers and gRPC services. Private to Sluice: the `sluice` binary's Node (node.h) puts
// its HTTP door, /metrics and status page in front of these; a host program sees only the public
// class.
//
// Thread safety: as ClusterMember. Members are declared so that destruction runs users before
// what they use.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "api/admin_counters.h"
#include "api/door_metrics.h"
#include "api/envoy_handler.h"
#include "api/envoy_service.h"
#include "api/gubernator_handler.h"
#include "api/gubernator_service.h"
#include "cluster/cluster_metrics.h"
#include "core/limiter.h"
#include "core/store.h"
#include "mesh/mesh_metrics.h"
#include "obs/registry.h"
#include "persist/persistence.h"
#include "rules/rule_store.h"
#include "rules/rule_watcher.h"
#include "server/config.h"
#include "server/node_builder.h"
#include "server/node_status.h"
#include "server/store_metrics.h"
#include "server/tls_files.h"
#include "sluice/cluster_member.h"
#include "trace/tracing.h"

struct sluice::ClusterMember::Parts {
  Parts(const server::Config& c, std::unique_ptr<persist::Persistence> p);

  server::Config config;
  // Snapshot and write-through store (docs/persistence.md); outlives the limiter and registry.
  std::unique_ptr<persist::Persistence> persistence;
  std::string advertise_address;
  std::optional<server::TlsMaterial> tls;
  obs::Registry registry;
  // Each component's metrics (docs/architecture.md#metrics), registered in every mode, so each
  // family is on /metrics (at 0) whatever the mode. The rules count theirs in the RuleStore.
  api::DoorMetrics door_metrics{registry};
  cluster::ClusterMetrics cluster_metrics{registry};
  mesh::MeshMetrics mesh_metrics{registry};
  core::Store store;
  server::StoreMetrics store_metrics{registry, store};  // reads the store: declared after it
  core::Limiter limiter{store, persistence->store()};
  // --otlp-endpoint: null when tracing is off. Outlives everything that starts spans.
  std::unique_ptr<trace::Tracing> tracing;
  const trace::Tracer* tracer = nullptr;
  // The mode's router, health, membership and peer service (node_builder.h).
  server::ModeParts mode;
  std::unique_ptr<server::NodeStatus> status;  // the status page; wraps the router for the doors
  std::unique_ptr<api::GubernatorHandler> gubernator;
  std::unique_ptr<api::GubernatorService> gubernator_service;
  std::unique_ptr<rules::RuleStore> rules;  // empty, never reloaded, without a rules path
  std::unique_ptr<rules::RuleWatcher> rules_watcher;
  std::unique_ptr<api::EnvoyHandler> envoy;
  std::unique_ptr<api::EnvoyService> envoy_service;
  std::unique_ptr<api::AdminCounters> admin;  // --admin: the counter admin
  bool joined = false;
  bool left = false;
  bool stopped = false;
};

namespace sluice::server {

// A member wired from an already parsed and validated `config` (the binary parses its flags,
// environment and file once); `advertise_address` as ClusterMemberOptions. Opens the store,
// restores the snapshot, builds the mode and the doors; serves and joins nothing.
absl::StatusOr<std::unique_ptr<ClusterMember>> CreateClusterMember(const Config& config,
                                                                   std::string advertise_address);

// The gRPC service names a member registers (for grpc.health.v1).
std::vector<std::string> MemberServiceNames(const ClusterMember::Parts& parts);

}  // namespace sluice::server
