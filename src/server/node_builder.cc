#include "server/node_builder.h"

#include <utility>
#include <vector>

#include "cluster/cluster_health.h"
#include "cluster/dns_membership.h"
#include "cluster/etcd_membership.h"
#include "cluster/grpc_peer_client.h"
#include "cluster/k8s_membership.h"
#include "cluster/static_membership.h"
#include "common/host_port.h"
#include "mesh/mesh_health.h"
#include "mesh/mesh_membership.h"
#include "mesh/mesh_router.h"
#include "server/advertise_address.h"
#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

// The hosts this node must be reachable from, as far as the settings tell before discovery
// runs: static peers or mesh seeds, etcd endpoints, DNS names. They pick the interface a node
// bound to a wildcard address advertises (advertise_address.h).
std::vector<std::string> PeerHosts(const Config& config) {
  std::vector<std::string> hosts;
  auto add = [&hosts](std::string address) {
    if (auto scheme = address.find("://"); scheme != std::string::npos) {
      address = address.substr(scheme + 3);
    }
    auto split = common::SplitHostPort(address);
    hosts.push_back(split.ok() ? split->host : address);
  };
  for (const auto& peer : config.cluster.peers) add(peer);
  for (const auto& seed : config.mesh.gossip.seeds) add(seed);
  if (config.cluster.discovery == Discovery::kEtcd) {
    for (const auto& endpoint : config.cluster.etcd.endpoints) add(endpoint);
  }
  if (config.cluster.discovery == Discovery::kDns) {
    hosts.insert(hosts.end(), config.cluster.dns.fqdns.begin(), config.cluster.dns.fqdns.end());
  }
  return hosts;
}

// `bind_host` itself, or for a wildcard the host ChooseAdvertiseHost picks; the choice is logged.
std::string AdvertiseHostFor(const std::string& bind_host, const Config& config,
                             std::string_view what) {
  AdvertiseChoice choice = ChooseAdvertiseHost({.bind_host = bind_host,
                                                .peer_hosts = PeerHosts(config),
                                                .interfaces = LocalAddresses(),
                                                .route_source = SourceAddressTowards});
  if (common::IsWildcardHost(bind_host)) {
    spdlog::info("{} is bound to '{}'; advertising {}: {}", std::string(what), bind_host,
                 choice.host, choice.reason);
  }
  return choice.host;
}

// The membership source --discovery names (docs/cluster.md); the options are the config's,
// completed with this node's advertise address.
std::unique_ptr<cluster::Membership> MakeMembership(const ModeInputs& in) {
  const ClusterSettings& settings = in.config.cluster;
  switch (settings.discovery) {
    case Discovery::kK8s: {
      cluster::K8sMembershipOptions options = settings.k8s;
      auto advertise = common::SplitHostPort(in.advertise_address);
      options.pod_port = advertise.ok() ? advertise->port : uint16_t{0};
      return std::make_unique<cluster::K8sMembership>(std::move(options), in.registry);
    }
    case Discovery::kDns: {
      cluster::DnsMembershipOptions options = settings.dns;
      options.advertise_address = in.advertise_address;
      return std::make_unique<cluster::DnsMembership>(std::move(options),
                                                      &in.cluster_metrics.membership);
    }
    case Discovery::kEtcd: {
      cluster::EtcdMembershipOptions options = settings.etcd;
      options.self = {.grpc_address = in.advertise_address, .data_center = settings.data_center};
      return std::make_unique<cluster::EtcdMembership>(std::move(options),
                                                       &in.cluster_metrics.membership);
    }
    case Discovery::kStatic:
    case Discovery::kMesh:  // BuildCluster makes the mesh's membership itself
      break;
  }
  return std::make_unique<cluster::StaticMembership>(settings.peers, in.advertise_address);
}

// The config's gossip options completed with what only a running node knows (docs/mesh.md): the
// advertised gRPC and HTTP addresses, the secret, the capacity, and — unless given — the mesh
// advertise address: the bind address with a wildcard host replaced by the gRPC advertise host.
absl::StatusOr<mesh::MeshOptions> MeshOptionsFor(const Config& config,
                                                 const std::string& grpc_advertise) {
  mesh::MeshOptions o = config.mesh.gossip;
  auto bind = common::SplitHostPort(o.bind_address);
  auto grpc = common::SplitHostPort(grpc_advertise);
  const bool advertise_given = !o.advertise_address.empty();
  if (!advertise_given && bind.ok()) {
    // A wildcard bind takes the gRPC advertise host when peers can reach that one, else the
    // interface that reaches the seeds.
    std::string host = bind->host;
    if (common::IsWildcardHost(host)) {
      host = grpc.ok() && !IsLoopbackHost(grpc->host)
                 ? grpc->host
                 : AdvertiseHostFor(bind->host, config, "--mesh-addr");
    }
    o.advertise_address = common::JoinHostPort(host, bind->port);
  }
  if (auto s = CheckAdvertiseReachable(advertise_given ? "--mesh-advertise-addr" : "--mesh-addr",
                                       o.advertise_address, "--mesh-seeds", o.seeds);
      !s.ok()) {
    return s;
  }
  o.grpc_address = grpc_advertise;
  auto http = common::SplitHostPort(config.server.http_address, common::PortZero::kAllowed);
  if (http.ok() && http->port != 0 && grpc.ok()) {
    const bool wildcard = common::IsWildcardHost(http->host);
    o.http_address = common::JoinHostPort(wildcard ? grpc->host : http->host, http->port);
  }
  if (!config.mesh.secret_file.empty()) {
    auto secret = mesh::ReadSecretFile(config.mesh.secret_file);
    if (!secret.ok()) return secret.status();
    o.secret = std::move(*secret);
  }
  o.max_windows = static_cast<size_t>(config.store.cache_size);
  return o;
}

absl::StatusOr<std::unique_ptr<mesh::Mesh>> StartMesh(const ModeInputs& in) {
  auto options = MeshOptionsFor(in.config, in.advertise_address);
  if (!options.ok()) return options.status();
  return mesh::Mesh::Start(std::move(*options), in.clock, &in.mesh_metrics);
}

// The ring's data center: static, DNS and k8s peers carry none, so they are all local.
std::string RingDataCenter(const ClusterSettings& settings) {
  switch (settings.discovery) {
    case Discovery::kStatic:
    case Discovery::kDns:
    case Discovery::kK8s:
      return "";
    case Discovery::kEtcd:
    case Discovery::kMesh:
      break;
  }
  return settings.data_center;
}

}  // namespace

core::AdmissionOptions AdmissionOptionsFor(const Config& config) {
  return core::AdmissionOptions{
      .max_key_bytes = static_cast<size_t>(config.store.max_key_bytes),
      .max_clock_skew_ms = absl::ToInt64Milliseconds(config.store.max_clock_skew)};
}

std::string AdvertiseAddressFor(const Config& config, const std::string& grpc_host,
                                int grpc_port) {
  if (config.cluster.discovery == Discovery::kK8s) {  // peers know a pod by its IP (Gubernator)
    const int port = config.cluster.k8s.pod_port != 0 ? config.cluster.k8s.pod_port : grpc_port;
    return common::JoinHostPort(config.cluster.k8s.pod_ip, static_cast<uint16_t>(port));
  }
  if (!config.server.advertise_address.empty()) return config.server.advertise_address;
  return common::JoinHostPort(AdvertiseHostFor(grpc_host, config, "--addr"),
                              static_cast<uint16_t>(grpc_port));
}

absl::StatusOr<ModeParts> BuildStandalone(const ModeInputs& in) {
  ModeParts parts;
  parts.router = std::make_unique<cluster::LocalRouter>(in.limiter);
  parts.health = std::make_unique<cluster::StandaloneHealth>(in.advertise_address);
  return parts;
}

absl::StatusOr<ModeParts> BuildMesh(const ModeInputs& in) {
  // Every request is decided here; counters converge by gossip.
  ModeParts parts;
  auto started = StartMesh(in);
  if (!started.ok()) return started.status();
  parts.mesh = std::move(*started);
  parts.router = std::make_unique<mesh::MeshRouter>(*parts.mesh);
  parts.health = std::make_unique<mesh::MeshHealth>(*parts.mesh);
  return parts;
}

absl::StatusOr<ModeParts> BuildCluster(const ModeInputs& in) {
  const Config& config = in.config;
  const ClusterSettings& settings = config.cluster;
  if (settings.discovery == Discovery::kStatic || settings.discovery == Discovery::kMesh) {
    if (auto s = CheckAdvertiseReachable(
            config.server.advertise_address.empty() ? "--addr" : "--advertise-addr",
            in.advertise_address, "--peers", settings.peers);
        !s.ok()) {
      return s;
    }
  }
  if (auto s = cluster::ValidatePeerClientOptions(settings.forwarding); !s.ok()) return s;
  // Membership feeds a ClusterRouter; PeersV1 serves the other nodes.
  ModeParts parts;
  const cluster::PeerChannelSecurity security =
      in.tls ? cluster::PeerChannelSecurity{.credentials =
                                                net::GrpcChannelCredentials(in.tls->peers),
                                            .tls_server_name = in.tls->peers.server_name}
             : cluster::PeerChannelSecurity{};
  auto router = std::make_unique<cluster::ClusterRouter>(
      in.limiter, in.clock,
      cluster::MakeGrpcPeerClientFactory(settings.forwarding, in.clock,
                                         &in.cluster_metrics.peer_client, security, in.tracer),
      cluster::ClusterRouterOptions{
          .view = {.data_center = RingDataCenter(settings),
                   .ring = {.replicas = settings.replicated_hash_replicas,
                            .hash = *cluster::ParseHashFunction(RingHashName(config))}},
          .global = settings.global,
          .force_global = settings.force_global,
          .fail_open = settings.fail_open,
          .on_peer_failure = settings.on_peer_failure,
          .admission = AdmissionOptionsFor(config)},
      &in.cluster_metrics, &in.door_metrics);
  parts.cluster_router = router.get();
  parts.router = std::move(router);
  parts.health = std::make_unique<cluster::ClusterHealth>(
      [r = parts.cluster_router] { return r->view(); }, in.advertise_address,
      settings.peer_error_window);
  parts.peers_service = std::make_unique<api::PeersService>(parts.cluster_router->peer_handler(),
                                                            in.clock, in.door_metrics, in.tracer);
  if (settings.discovery == Discovery::kMesh) {  // gossip as the membership source of the ring
    auto started = StartMesh(in);
    if (!started.ok()) return started.status();
    parts.mesh = std::move(*started);
    parts.membership = std::make_unique<mesh::MeshMembership>(*parts.mesh);
  } else {
    parts.membership = MakeMembership(in);
  }
  return parts;
}

absl::StatusOr<ModeParts> BuildMode(const ModeInputs& in) {
  if (in.config.mesh.enabled) return BuildMesh(in);
  if (in.config.clustered()) return BuildCluster(in);
  return BuildStandalone(in);
}

absl::Status ModeParts::Join() {
  if (!membership) return absl::OkStatus();
  return membership->Start([r = cluster_router](std::vector<cluster::PeerInfo> peers) {
    r->SetPeers(std::move(peers)).IgnoreError();  // logged; the previous ring stays
  });
}

void ModeParts::Leave() {
  if (membership) membership->Stop();
}

void ModeParts::Stop() {
  if (mesh) mesh->Stop();
  if (cluster_router) cluster_router->Stop();
}

}  // namespace sluice::server
