#include "server/node.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "api/envoy_handler.h"
#include "api/envoy_service.h"
#include "api/gubernator_handler.h"
#include "api/gubernator_service.h"
#include "api/grpc_health.h"
#include "net/http_server.h"
#include "api/peers_service.h"
#include "cluster/cluster_health.h"
#include "cluster/health.h"
#include "cluster/cluster_router.h"
#include "cluster/dns_membership.h"
#include "cluster/etcd_membership.h"
#include "cluster/grpc_peer_client.h"
#include "cluster/k8s_membership.h"
#include "cluster/static_membership.h"
#include "cluster/router.h"
#include "common/host_port.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "mesh/mesh.h"
#include "mesh/mesh_health.h"
#include "mesh/mesh_membership.h"
#include "mesh/mesh_router.h"
#include "obs/registry.h"
#include "obs/sluice_metrics.h"
#include "rules/rule_set.h"
#include "rules/rule_store.h"
#include "rules/rule_watcher.h"
#include "server/http_routes.h"
#include "server/advertise_address.h"
#include "server/grpc_drain.h"
#include "server/throttled_log.h"
#include "server/tls_files.h"
#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

constexpr int kMaxMessageBytes = 1 << 20;

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
  for (const auto& peer : config.peers) add(peer);
  for (const auto& seed : config.mesh_seeds) add(seed);
  if (config.discovery == "etcd") {
    for (const auto& endpoint : config.etcd_endpoints) add(endpoint);
  }
  if (config.discovery == "dns") hosts.insert(hosts.end(), config.dns_fqdns.begin(), config.dns_fqdns.end());
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

// A port that was free a moment ago on `host` (the kernel's pick for port 0).
int FreePort(const std::string& host) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) addr.sin_addr.s_addr = INADDR_ANY;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

// The membership source `config.discovery` names (docs/cluster.md).
std::unique_ptr<cluster::Membership> MakeMembership(const Config& config,
                                                    const std::string& advertise_address,
                                                    obs::Registry& registry) {
  if (config.discovery == "k8s") {
    auto advertise = common::SplitHostPort(advertise_address);
    return std::make_unique<cluster::K8sMembership>(
        cluster::K8sMembershipOptions{
            .api = {.host = config.k8s_api_host,
                    .port = static_cast<uint16_t>(config.k8s_api_port),
                    .token_file = config.k8s_service_account_dir + "/token",
                    .ca_file = config.k8s_service_account_dir + "/ca.crt"},
            .resource = config.k8s_watch_mechanism == "pods" ? cluster::K8sResource::kPods
                                                             : cluster::K8sResource::kEndpointSlices,
            .k8s_namespace = config.k8s_namespace,
            .service_name = config.k8s_service_name,
            .selector = config.k8s_selector,
            .pod_ip = config.k8s_pod_ip,
            .pod_port = advertise.ok() ? advertise->port : uint16_t{0}},
        registry);
  }
  if (config.discovery == "dns") {
    return std::make_unique<cluster::DnsMembership>(
        cluster::DnsMembershipOptions{.fqdns = config.dns_fqdns,
                                      .advertise_address = advertise_address,
                                      .interval = config.dns_interval});
  }
  if (config.discovery == "etcd") {
    return std::make_unique<cluster::EtcdMembership>(cluster::EtcdMembershipOptions{
        .endpoints = config.etcd_endpoints,
        .key_prefix = config.etcd_key_prefix,
        .self = {.grpc_address = advertise_address, .data_center = config.data_center},
        .lease_ttl = config.etcd_lease_ttl,
        .poll_interval = config.etcd_poll_interval,
        .timeout = config.etcd_timeout});
  }
  return std::make_unique<cluster::StaticMembership>(config.peers, advertise_address);
}

// Mesh settings from the config (docs/mesh.md). The mesh advertise address defaults to the bind
// address with a wildcard host replaced by the gRPC advertise address's host.
absl::StatusOr<mesh::MeshOptions> MeshOptionsFor(const Config& config,
                                                 const std::string& grpc_advertise) {
  mesh::MeshOptions o;
  o.node_id = config.node_id;
  o.bind_address = config.mesh_address;
  o.advertise_address = config.mesh_advertise_address;
  auto bind = common::SplitHostPort(config.mesh_address);
  auto grpc = common::SplitHostPort(grpc_advertise);
  if (o.advertise_address.empty() && bind.ok()) {
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
  if (auto s = CheckAdvertiseReachable(config.mesh_advertise_address.empty()
                                           ? "--mesh-addr"
                                           : "--mesh-advertise-addr",
                                       o.advertise_address, "--mesh-seeds", config.mesh_seeds);
      !s.ok()) {
    return s;
  }
  o.grpc_address = grpc_advertise;
  auto http = common::SplitHostPort(config.http_address, common::PortZero::kAllowed);
  if (http.ok() && http->port != 0 && grpc.ok()) {
    const bool wildcard = common::IsWildcardHost(http->host);
    o.http_address = common::JoinHostPort(wildcard ? grpc->host : http->host, http->port);
  }
  o.seeds = config.mesh_seeds;
  o.cluster_id = config.mesh_cluster_id;
  if (!config.mesh_secret_file.empty()) {
    auto secret = mesh::ReadSecretFile(config.mesh_secret_file);
    if (!secret.ok()) return secret.status();
    o.secret = std::move(*secret);
  }
  o.gossip_interval_ms = absl::ToInt64Milliseconds(config.gossip_interval);
  o.fanout = config.gossip_fanout;
  o.push_interval_ms = absl::ToInt64Milliseconds(config.gossip_push_interval);
  o.suspicion_timeout_ms = absl::ToInt64Milliseconds(config.mesh_suspicion_timeout);
  o.gc_grace_ms = absl::ToInt64Milliseconds(config.mesh_gc_grace);
  o.max_windows = static_cast<size_t>(config.cache_size);
  return o;
}

core::AdmissionOptions AdmissionOptionsFor(const Config& config) {
  return core::AdmissionOptions{
      .max_key_bytes = static_cast<size_t>(config.max_key_bytes),
      .max_clock_skew_ms = absl::ToInt64Milliseconds(config.max_clock_skew)};
}

absl::StatusOr<std::unique_ptr<mesh::Mesh>> StartMesh(const Config& config,
                                                      const std::string& grpc_advertise,
                                                      const obs::Metrics& metrics) {
  auto options = MeshOptionsFor(config, grpc_advertise);
  if (!options.ok()) return options.status();
  return mesh::Mesh::Start(std::move(*options), core::SystemClock::Instance(), &metrics);
}

}  // namespace

struct Node::Parts {
  Config config;
  std::string advertise_address;
  obs::Registry registry;
  obs::Metrics metrics{registry, kVersion};
  core::Store store;
  core::Limiter limiter{store};
  // Mesh mode, or --discovery mesh (docs/mesh.md); outlives the router and membership using it.
  std::unique_ptr<mesh::Mesh> mesh;
  // Cluster mode only (docs/cluster.md). Declared before the router and the gRPC server so they
  // are destroyed after them; Shutdown() stops the membership first.
  std::unique_ptr<cluster::Membership> membership;
  cluster::ClusterRouter* cluster_router = nullptr;  // owned by `router`
  std::unique_ptr<api::PeersService> peers_service;
  std::unique_ptr<cluster::Router> router;
  std::unique_ptr<cluster::HealthSource> health;
  std::unique_ptr<api::GubernatorHandler> gubernator;
  std::unique_ptr<api::GubernatorService> gubernator_service;
  std::unique_ptr<rules::RuleStore> rules;  // empty, never reloaded, without a rules path
  std::unique_ptr<rules::RuleWatcher> rules_watcher;
  std::unique_ptr<api::EnvoyHandler> envoy;
  std::unique_ptr<api::EnvoyService> envoy_service;
  // sluice_accept_failures_total{listener="http"}: the HTTP listener out of descriptors.
  obs::Counter* http_accept_failures = registry.AddCounter(
      "sluice_accept_failures_total",
      "Connections a listener could not accept for want of a resource (file descriptors, "
      "memory); the listener waits and retries.",
      {{"listener", "http"}});
  ThrottledLog accept_failure_log{std::chrono::seconds(10)};
  GrpcDrain grpc_drain;  // counts gRPC calls in progress; stops the server (grpc_drain.h)
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<api::GrpcHealthPublisher> grpc_health;  // grpc.health.v1, following `health`
  std::unique_ptr<net::HttpServer> http_server;
  std::unique_ptr<net::HttpServer> status_server;  // --status-http-addr: health only, plaintext
  int grpc_port = 0;
  bool stopped = false;

  explicit Parts(const Config& c)
      : config(c),
        store(core::StoreOptions{.capacity = static_cast<size_t>(c.cache_size),
                                 .max_bytes = static_cast<size_t>(CacheMaxBytes(c)),
                                 .shards = static_cast<size_t>(kStoreShards)}) {}
};

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const Config& config) {
  auto parts = std::make_unique<Parts>(config);
  Parts& p = *parts;

  auto grpc_hp = common::SplitHostPort(config.grpc_address, common::PortZero::kAllowed);
  if (!grpc_hp.ok()) return grpc_hp.status();
  auto tls = LoadTlsMaterial(config);
  if (!tls.ok()) return tls.status();

  p.router = std::make_unique<cluster::LocalRouter>(p.limiter);
  // Port 0 asks for a free port; it is chosen now so the advertise address is known before the
  // first call can arrive.
  int grpc_port = grpc_hp->port == 0 ? FreePort(grpc_hp->host) : grpc_hp->port;
  std::string grpc_address = common::JoinHostPort(grpc_hp->host, static_cast<uint16_t>(grpc_port));
  p.advertise_address =
      config.advertise_address.empty()
          ? common::JoinHostPort(AdvertiseHostFor(grpc_hp->host, config, "--addr"),
                                 static_cast<uint16_t>(grpc_port))
          : config.advertise_address;
  if (config.discovery == "k8s") {  // peers know this pod by its IP (Gubernator: forced)
    p.advertise_address = common::JoinHostPort(
        config.k8s_pod_ip, static_cast<uint16_t>(config.k8s_pod_port != 0 ? config.k8s_pod_port
                                                                           : grpc_port));
  }
  p.health = std::make_unique<cluster::StandaloneHealth>(p.advertise_address);
  if (config.mesh) {
    // Mesh mode: every request is decided here; counters converge by gossip.
    auto started = StartMesh(config, p.advertise_address, p.metrics);
    if (!started.ok()) return started.status();
    p.mesh = std::move(*started);
    p.router = std::make_unique<mesh::MeshRouter>(*p.mesh);
    p.health = std::make_unique<mesh::MeshHealth>(*p.mesh);
  } else if (config.discovery != "static" || !config.peers.empty()) {
    if (config.discovery == "static" || config.discovery == "mesh") {
      if (auto s = CheckAdvertiseReachable(
              config.advertise_address.empty() ? "--addr" : "--advertise-addr",
              p.advertise_address, "--peers", config.peers);
          !s.ok()) {
        return s;
      }
    }
    // Cluster mode: membership feeds a ClusterRouter; PeersV1 serves the other nodes.
    const core::Clock& clock = core::SystemClock::Instance();
    cluster::PeerClientOptions peer_options{.batch_wait = config.batch_wait,
                                            .batch_limit = config.batch_limit,
                                            .batch_timeout = config.batch_timeout,
                                            .disable_batching = config.disable_batching,
                                            .global_timeout = config.global_timeout};
    if (auto s = cluster::ValidatePeerClientOptions(peer_options); !s.ok()) return s;
    auto router = std::make_unique<cluster::ClusterRouter>(
        p.limiter, clock,
        cluster::MakeGrpcPeerClientFactory(
            peer_options, clock, &p.metrics,
            *tls ? cluster::PeerChannelSecurity{.credentials =
                                                    net::GrpcChannelCredentials((*tls)->peers),
                                                .tls_server_name = (*tls)->peers.server_name}
                 : cluster::PeerChannelSecurity{}),
        cluster::ClusterRouterOptions{
            // Static, DNS and k8s peers carry no data center: they are all local.
            .view = {.data_center = config.discovery == "static" || config.discovery == "dns" ||
                                            config.discovery == "k8s"
                                        ? ""
                                        : config.data_center,
                     .ring = {.replicas = config.replicated_hash_replicas,
                              .hash = *cluster::ParseHashFunction(RingHashName(config))}},
            .global = {.sync_wait = config.global_sync_wait,
                       .batch_limit = config.global_batch_limit},
            .force_global = config.force_global,
            .fail_open = config.fail_open,
            .admission = AdmissionOptionsFor(config)},
        &p.metrics);
    p.cluster_router = router.get();
    p.router = std::move(router);
    p.health = std::make_unique<cluster::ClusterHealth>(
        [r = p.cluster_router] { return r->view(); }, p.advertise_address,
        config.peer_error_window);
    p.peers_service =
        std::make_unique<api::PeersService>(p.cluster_router->peer_handler(), clock, p.metrics);
    if (config.discovery == "mesh") {  // gossip as the membership source of the ring
      auto started = StartMesh(config, p.advertise_address, p.metrics);
      if (!started.ok()) return started.status();
      p.mesh = std::move(*started);
      p.membership = std::make_unique<mesh::MeshMembership>(*p.mesh);
    } else {
      p.membership = MakeMembership(config, p.advertise_address, p.registry);
    }
  }
  p.gubernator = std::make_unique<api::GubernatorHandler>(
      *p.router, core::SystemClock::Instance(), *p.health, &p.metrics, AdmissionOptionsFor(config));
  p.gubernator_service = std::make_unique<api::GubernatorService>(*p.gubernator, p.metrics);
  p.rules = std::make_unique<rules::RuleStore>(
      config.rules_path, [&metrics = p.metrics](bool ok) { metrics.RecordRulesReload(ok); });
  if (!config.rules_path.empty()) {
    // Watch first, then load: a change between the two is not missed.
    if (config.rules_watch) {
      auto watcher = rules::RuleWatcher::Start(p.rules.get());
      if (!watcher.ok()) return watcher.status();
      p.rules_watcher = std::move(*watcher);
    }
    if (absl::Status status = p.rules->Reload(); !status.ok()) return status;
  }
  p.envoy = std::make_unique<api::EnvoyHandler>(
      *p.router, core::SystemClock::Instance(),
      *p.rules,
      api::EnvoyOptions{.shadow_mode = config.envoy_shadow_mode,
                        .rate_limit_headers = config.envoy_rate_limit_headers,
                        .admission = AdmissionOptionsFor(config)},
      &p.metrics);
  p.envoy_service = std::make_unique<api::EnvoyService>(*p.envoy, p.metrics);
  p.metrics.BindStore([&store = p.store] {
    core::StoreStats s = store.Stats();
    return obs::StoreReading{.items = s.size, .hits = s.hits, .misses = s.misses,
                             .unexpired_evictions = s.unexpired_evictions, .bytes = s.bytes};
  });
  // grpc.health.v1.Health (Kubernetes gRPC probes) and server reflection (grpcurl).
  api::EnableHealthService();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(grpc_address,
                           *tls ? net::GrpcServerCredentials((*tls)->server)
                                : grpc::InsecureServerCredentials(),
                           &p.grpc_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  // Bounded per connection and in total (docs/operations.md "Limits"): a client opening more
  // streams waits for one to finish, and buffers beyond the quota are refused, not grown.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config.grpc_max_concurrent_streams);
  grpc::ResourceQuota quota("sluice-grpc");
  quota.Resize(static_cast<size_t>(config.grpc_max_memory_mb) << 20);
  quota.SetMaxThreads(config.grpc_max_threads);
  builder.SetResourceQuota(quota);
  builder.RegisterService(p.gubernator_service.get());
  builder.RegisterService(p.envoy_service.get());
  if (p.peers_service) builder.RegisterService(p.peers_service.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(p.grpc_drain.MakeCallCounter());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  p.grpc_server = builder.BuildAndStart();
  if (!p.grpc_server || p.grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on gRPC address '", grpc_address, "'"));
  }
  if (p.membership) {  // joined once this node can serve its peers
    auto joined = p.membership->Start([r = p.cluster_router](std::vector<cluster::PeerInfo> peers) {
      r->SetPeers(std::move(peers)).IgnoreError();  // logged; the previous ring stays
    });
    if (!joined.ok()) {
      p.grpc_server->Shutdown();
      return joined;
    }
  }
  std::vector<std::string> grpc_services = {pb::gubernator::V1::service_full_name(),
                                            envoy::service::ratelimit::v3::RateLimitService::
                                                service_full_name()};
  if (p.peers_service) grpc_services.emplace_back(pb::gubernator::PeersV1::service_full_name());
  p.grpc_health = std::make_unique<api::GrpcHealthPublisher>(
      *p.grpc_server->GetHealthCheckService(), *p.health, core::SystemClock::Instance(),
      std::move(grpc_services));
  p.grpc_health->Start();

  int threads = config.http_threads > 0 ? config.http_threads
                                        : static_cast<int>(std::thread::hardware_concurrency());
  p.http_server = std::make_unique<net::HttpServer>(net::HttpServerOptions{
      .address = config.http_address,
      .threads = std::max(1, threads),
      .tls = *tls ? std::optional<net::ServerTls>((*tls)->server) : std::nullopt,
      .on_accept_failure =
          [&p](const std::string& what) {
            p.http_accept_failures->Increment();
            p.accept_failure_log.Warn(what);
          }});
  const HttpRouteTargets routes{.gubernator = *p.gubernator,
                                .envoy = *p.envoy,
                                .registry = p.registry,
                                .metrics = p.metrics,
                                .mesh = p.mesh.get(),
                                .mesh_test_hooks = config.mesh_test_hooks};
  AddNodeRoutes(*p.http_server, routes);
  // The status listener first: once the main HTTP port answers, every listener does.
  if (!config.status_http_address.empty()) {
    p.status_server = std::make_unique<net::HttpServer>(
        net::HttpServerOptions{.address = config.status_http_address, .threads = 1});
    AddStatusRoutes(*p.status_server, routes);
    if (auto status = p.status_server->Start(); !status.ok()) {
      p.grpc_server->Shutdown();
      return status;
    }
    spdlog::info("status (health only, plaintext) on port {}", p.status_server->port());
  }
  if (auto status = p.http_server->Start(); !status.ok()) {
    p.grpc_server->Shutdown();
    if (p.status_server) p.status_server->Stop();
    return status;
  }

  auto http_hp = common::SplitHostPort(config.http_address, common::PortZero::kAllowed);
  spdlog::info(
      "sluice {} ready{}: gRPC on {}:{}, HTTP on {}:{}, advertising {}, cache size {}, TLS {}",
      kVersion, config.instance_id.empty() ? "" : absl::StrCat(" as ", config.instance_id),
      grpc_hp->host, p.grpc_port, http_hp->host, p.http_server->port(), p.advertise_address,
      config.cache_size,
      *tls ? absl::StrCat("on (", config.tls_auto ? "self-signed certificate, " : "",
                           "client auth ",
                           std::string(net::ClientAuthName((*tls)->server.client_auth)), ")")
           : std::string("off"));
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() { Shutdown(); }

void Node::Shutdown() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  spdlog::info("shutting down: serving {} s more, then draining for up to {} s",
               p.config.shutdown_delay_seconds, p.config.drain_timeout_seconds);
  p.gubernator->SetShuttingDown();
  p.grpc_health->Shutdown();
  std::this_thread::sleep_for(std::chrono::seconds(p.config.shutdown_delay_seconds));
  if (p.membership) p.membership->Stop();  // leave the cluster (etcd: delete + revoke)
  // Stop accepting on both doors; in-flight calls finish within the drain timeout.
  const auto drain = std::chrono::seconds(p.config.drain_timeout_seconds);
  std::thread http_stop([&p, drain] { p.http_server->Stop(drain); });
  p.grpc_drain.Shutdown(*p.grpc_server, drain);
  http_stop.join();
  if (p.status_server) p.status_server->Stop();
  if (p.mesh) p.mesh->Stop();  // pushes the last counts and announces the leave
  if (p.cluster_router) p.cluster_router->Stop();  // GLOBAL sync and peer clients
  if (p.rules_watcher) p.rules_watcher->Stop();
  spdlog::info("stopped");
}

void Node::Reload() {
  Parts& p = *parts_;
  if (!p.rules->path().empty()) {
    // RuleStore logs the outcome (with file and line on failure) and keeps the old rules.
    (void)p.rules->Reload();
  }
  if (!p.config.tls_cert_file.empty()) {
    // The HTTP listener's certificates now; gRPC's file watcher follows within
    // --tls-reload-interval. A bad file keeps the old certificates.
    auto tls = LoadTlsMaterial(p.config);
    absl::Status status = tls.ok() ? p.http_server->ReloadTls((*tls)->server) : tls.status();
    if (status.ok()) {
      spdlog::info("TLS certificates reloaded");
    } else {
      spdlog::error("TLS reload failed, keeping the previous certificates: {}",
                    std::string(status.message()));
    }
  }
}

int Node::grpc_port() const { return parts_->grpc_port; }
int Node::http_port() const { return parts_->http_server->port(); }
const std::string& Node::advertise_address() const { return parts_->advertise_address; }

}  // namespace sluice::server
