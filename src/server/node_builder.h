// Node builders: the part of a node that differs by mode, wired from a Config. One builder per
// mode returns what it wired — the router the doors call, the health source they report, and in
// a cluster the membership that feeds the router and the PeersV1 service the other nodes call:
//
//   standalone  LocalRouter over the limiter; StandaloneHealth.
//   cluster     ClusterRouter (forwarding, GLOBAL) with gRPC peer clients; ClusterHealth; the
//               membership --discovery names (static, dns, etcd, k8s, or the gossip of a Mesh
//               started for it); PeersService.
//   mesh        a started Mesh; MeshRouter; MeshHealth.
//
// Node (node.h) runs a builder, puts the doors (gRPC, HTTP) in front of what it returns, and
// starts serving; an embedding program can do the same with its own doors. Contract:
//   * A builder binds no TCP port. The mesh builders start the gossip (UDP) before returning,
//     so a mesh is reachable once its builder returns; a cluster is joined only by Join().
//   * Every reference in ModeInputs must outlive the returned ModeParts.
//   * Call order: build; serve `peers_service` (when set) on the gRPC listener that
//     `advertise_address` names; Join(); ... Leave() (stop being a member: etcd deletes the
//     registration); stop the doors; Stop(); destroy.
//
// Thread safety: the builders and Join/Leave/Stop on one thread (start-up and shutdown); the
// router, health source and peer service they return are internally synchronized.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "api/door_metrics.h"
#include "api/peers_service.h"
#include "cluster/cluster_metrics.h"
#include "cluster/cluster_router.h"
#include "cluster/health.h"
#include "cluster/membership.h"
#include "cluster/router.h"
#include "core/admission.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "mesh/mesh.h"
#include "mesh/mesh_metrics.h"
#include "obs/registry.h"
#include "server/config.h"
#include "server/tls_files.h"
#include "trace/tracer.h"

namespace sluice::server {

// What every builder needs; the references must outlive the ModeParts built from them.
struct ModeInputs {
  const Config& config;
  // This node's gRPC address as peers dial it (AdvertiseAddressFor).
  std::string advertise_address;
  core::Limiter& limiter;
  const core::Clock& clock;
  obs::Registry& registry;
  const api::DoorMetrics& door_metrics;            // the doors' (PeersV1's included)
  const cluster::ClusterMetrics& cluster_metrics;  // router, GLOBAL, peer clients, discovery
  const mesh::MeshMetrics& mesh_metrics;           // gossip traffic and drops
  // The node's TLS material: its `peers` part secures the links to cluster peers. nullopt =
  // plaintext.
  const std::optional<TlsMaterial>& tls;
  // Spans of peer calls (forwards, GLOBAL) and of PeersV1; null = tracing off.
  const trace::Tracer* tracer = nullptr;
};

// What a builder wired. Members are declared so that destruction runs users before what they
// use (the health source and peer service before the router, the router and membership before
// the mesh).
struct ModeParts {
  std::unique_ptr<mesh::Mesh> mesh;                  // mesh mode and --discovery mesh
  std::unique_ptr<cluster::Membership> membership;   // cluster mode; started by Join()
  std::unique_ptr<cluster::Router> router;           // what the doors call
  cluster::ClusterRouter* cluster_router = nullptr;  // `router` in cluster mode, else null
  std::unique_ptr<api::PeersService> peers_service;  // cluster mode: PeersV1 for the others
  std::unique_ptr<cluster::HealthSource> health;     // what HealthCheck and probes report

  // Cluster mode: starts the membership, whose every peer list replaces the router's ring (a
  // bad list is logged and the previous ring stays). Call once `peers_service` is served.
  // Fails as the membership's Start does (etcd unreachable, ...). Otherwise a no-op.
  absl::Status Join();
  // Stops the membership (etcd: deletes the registration and revokes the lease). Idempotent.
  void Leave();
  // Stops the background work: the mesh pushes its last counts and announces its leave; the
  // cluster router stops GLOBAL sync and its peer clients. Call after the doors have stopped.
  void Stop();
};

absl::StatusOr<ModeParts> BuildStandalone(const ModeInputs& inputs);
// Fails when the advertise address cannot reach static peers, or the forwarding options or the
// mesh (for --discovery mesh) are refused.
absl::StatusOr<ModeParts> BuildCluster(const ModeInputs& inputs);
// Fails when the gossip cannot start (address in use, unreadable secret, ...).
absl::StatusOr<ModeParts> BuildMesh(const ModeInputs& inputs);
// The builder `inputs.config` selects: mesh mode, a cluster (Config::clustered()), or standalone.
absl::StatusOr<ModeParts> BuildMode(const ModeInputs& inputs);

// The address peers dial to reach a gRPC listener on `grpc_host`:`grpc_port`: --advertise-addr,
// the k8s pod's IP and port under --discovery k8s, else the bound host (a wildcard replaced by
// the interface that reaches the peers; advertise_address.h) with the bound port.
std::string AdvertiseAddressFor(const Config& config, const std::string& grpc_host,
                                int grpc_port);

// What the doors and the cluster router accept as a key and a created_at (--max-key-bytes,
// --max-clock-skew).
core::AdmissionOptions AdmissionOptionsFor(const Config& config);

}  // namespace sluice::server
