#include "server/node.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "api/envoy_handler.h"
#include "api/envoy_service.h"
#include "api/grpc_health.h"
#include "api/gubernator_handler.h"
#include "api/gubernator_service.h"
#include "common/host_port.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "net/http_server.h"
#include "obs/registry.h"
#include "obs/sluice_metrics.h"
#include "persist/persistence.h"
#include "rules/rule_set.h"
#include "rules/rule_store.h"
#include "rules/rule_watcher.h"
#include "server/http_routes.h"
#include "server/node_builder.h"
#include "server/port_reservation.h"
#include "server/node_status.h"
#include "server/grpc_drain.h"
#include "server/throttled_log.h"
#include "server/tls_files.h"
#include "trace/tracing.h"
#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

constexpr int kMaxMessageBytes = 1 << 20;

}  // namespace

struct Node::Parts {
  Config config;
  // Snapshot and write-through store (docs/persistence.md); outlives the limiter and registry.
  std::unique_ptr<persist::Persistence> persistence;
  std::string advertise_address;
  std::optional<TlsMaterial> tls;
  obs::Registry registry;
  obs::Metrics metrics{registry, kVersion};
  // Registered in every mode, so each cluster family is on /metrics (at 0) whatever the mode.
  cluster::ClusterMetrics cluster_metrics{registry};
  core::Store store;
  core::Limiter limiter{store, persistence->store()};
  // --otlp-endpoint: null when tracing is off. Outlives everything that starts spans.
  std::unique_ptr<trace::Tracing> tracing;
  const trace::Tracer* tracer = nullptr;
  // The mode's router, health, membership and peer service (node_builder.h). Declared before
  // the doors and the gRPC server so they are destroyed after them.
  ModeParts mode;
  std::unique_ptr<NodeStatus> status;  // the status page; wraps the router for the doors
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
  std::unique_ptr<api::GrpcHealthPublisher> grpc_health;  // grpc.health.v1, following health
  std::unique_ptr<net::HttpServer> http_server;
  std::unique_ptr<net::HttpServer> status_server;  // --status-http-addr: health only, plaintext
  int grpc_port = 0;
  bool stopped = false;

  Parts(const Config& c, std::unique_ptr<persist::Persistence> p)
      : config(c),
        persistence(std::move(p)),
        store(core::StoreOptions{.capacity = static_cast<size_t>(c.store.cache_size),
                                 .max_bytes = static_cast<size_t>(CacheMaxBytes(c)),
                                 .shards = static_cast<size_t>(kStoreShards)}) {}
};

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const Config& config,
                                                   std::vector<StatusSetting> settings) {
  const int64_t started_ms = core::SystemClock::Instance().NowMillis();
  auto persistence = persist::Persistence::Open(config.persistence);
  if (!persistence.ok()) return persistence.status();
  auto parts = std::make_unique<Parts>(config, std::move(*persistence));
  Parts& p = *parts;
  if (auto s = p.persistence->Restore(p.limiter, core::SystemClock::Instance()); !s.ok()) return s;
  p.persistence->BindMetrics(p.registry, p.limiter);

  auto grpc_hp = common::SplitHostPort(config.server.grpc_address, common::PortZero::kAllowed);
  if (!grpc_hp.ok()) return grpc_hp.status();
  auto tls = LoadTlsMaterial(config);
  if (!tls.ok()) return tls.status();
  p.tls = std::move(*tls);
  auto tracing = trace::Tracing::Create(config.tracing, &p.registry);
  if (!tracing.ok()) return tracing.status();
  p.tracing = std::move(*tracing);
  if (p.tracing) p.tracer = &p.tracing->tracer();

  // Port 0 asks for a free port. It is reserved now, so the advertise address is known before
  // the mode is built, and held until gRPC has bound it (port_reservation.h).
  std::optional<PortReservation> reserved;
  if (grpc_hp->port == 0) {
    auto reservation = PortReservation::Reserve(grpc_hp->host);
    if (!reservation.ok()) return reservation.status();
    reserved = std::move(*reservation);
  }
  const int grpc_port = reserved ? reserved->port() : grpc_hp->port;
  const std::string grpc_address =
      common::JoinHostPort(grpc_hp->host, static_cast<uint16_t>(grpc_port));
  p.advertise_address = AdvertiseAddressFor(config, grpc_hp->host, grpc_port);

  auto mode = BuildMode(ModeInputs{.config = p.config,
                                   .advertise_address = p.advertise_address,
                                   .limiter = p.limiter,
                                   .clock = core::SystemClock::Instance(),
                                   .registry = p.registry,
                                   .metrics = p.metrics,
                                   .cluster_metrics = p.cluster_metrics,
                                   .tls = p.tls,
                                   .tracer = p.tracer});
  if (!mode.ok()) return mode.status();
  p.mode = std::move(*mode);
  p.status = std::make_unique<NodeStatus>(*p.mode.router);
  if (auto status = BuildDoors(p); !status.ok()) return status;
  p.status->Bind(StatusInputs{
      .version = kVersion,
      .mode = config.mesh.enabled ? std::string("mesh")
              : p.mode.cluster_router
                  ? "cluster (" + std::string(DiscoveryName(config.cluster.discovery)) + " discovery)"
                  : std::string("standalone"),
      .instance_id = config.server.instance_id,
      .advertise_address = p.advertise_address,
      .started_ms = started_ms,
      .settings = std::move(settings),
      .health = p.mode.health.get(),
      .cluster_view = p.mode.cluster_router
                          ? std::function([r = p.mode.cluster_router] { return r->view(); })
                          : nullptr,
      .peer_error_window = config.cluster.peer_error_window,
      .mesh = p.mode.mesh.get(),
      .rules = p.rules.get()});
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
                           p.tls ? net::GrpcServerCredentials(p.tls->server)
                                 : grpc::InsecureServerCredentials(),
                           &p.grpc_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  // Bounded per connection and in total (docs/operations.md "Limits"): a client opening more
  // streams waits for one to finish, and buffers beyond the quota are refused, not grown.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config.server.grpc_max_concurrent_streams);
  grpc::ResourceQuota quota("sluice-grpc");
  quota.Resize(static_cast<size_t>(config.server.grpc_max_memory_mb) << 20);
  quota.SetMaxThreads(config.server.grpc_max_threads);
  builder.SetResourceQuota(quota);
  builder.RegisterService(p.gubernator_service.get());
  builder.RegisterService(p.envoy_service.get());
  if (p.mode.peers_service) builder.RegisterService(p.mode.peers_service.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(p.grpc_drain.MakeCallCounter());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  p.grpc_server = builder.BuildAndStart();
  if (reserved) reserved->Release();  // gRPC holds the port now (or failed to bind it)
  if (!p.grpc_server || p.grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on gRPC address '", grpc_address, "'"));
  }
  if (auto joined = p.mode.Join(); !joined.ok()) {  // once this node can serve its peers
    p.grpc_server->Shutdown();
    return joined;
  }
  std::vector<std::string> grpc_services = {pb::gubernator::V1::service_full_name(),
                                            envoy::service::ratelimit::v3::RateLimitService::
                                                service_full_name()};
  if (p.mode.peers_service) {
    grpc_services.emplace_back(pb::gubernator::PeersV1::service_full_name());
  }
  p.grpc_health = std::make_unique<api::GrpcHealthPublisher>(
      *p.grpc_server->GetHealthCheckService(), *p.mode.health, core::SystemClock::Instance(),
      std::move(grpc_services));
  p.grpc_health->Start();

  const int threads = config.server.http_threads > 0
                          ? config.server.http_threads
                          : static_cast<int>(std::thread::hardware_concurrency());
  p.http_server = std::make_unique<net::HttpServer>(net::HttpServerOptions{
      .address = config.server.http_address,
      .threads = std::max(1, threads),
      .tls = p.tls ? std::optional<net::ServerTls>(p.tls->server) : std::nullopt,
      .on_accept_failure =
          [&p](const std::string& what) {
            p.http_accept_failures->Increment();
            p.accept_failure_log.Warn(what);
          }});

  const HttpRouteTargets routes{.gubernator = *p.gubernator,
                                .envoy = *p.envoy,
                                .registry = p.registry,
                                .metrics = p.metrics,
                                .mesh = p.mode.mesh.get(),
                                .mesh_test_hooks = config.mesh.test_hooks,
                                .status = p.status->collector(),
                                .tracer = p.tracer};
  AddNodeRoutes(*p.http_server, routes);
  // The status listener first: once the main HTTP port answers, every listener does.
  if (!config.server.status_http_address.empty()) {
    p.status_server = std::make_unique<net::HttpServer>(
        net::HttpServerOptions{.address = config.server.status_http_address, .threads = 1});
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

  p.persistence->Start(p.limiter, core::SystemClock::Instance());
  auto http_hp = common::SplitHostPort(config.server.http_address, common::PortZero::kAllowed);
  spdlog::info(
      "sluice {} ready{}: gRPC on {}:{}, HTTP on {}:{}, advertising {}, cache size {}, TLS {}",
      kVersion,
      config.server.instance_id.empty() ? "" : absl::StrCat(" as ", config.server.instance_id),
      grpc_hp->host, p.grpc_port, http_hp->host, p.http_server->port(), p.advertise_address,
      config.store.cache_size,
      p.tls ? absl::StrCat("on (", config.tls.auto_certificate ? "self-signed certificate, " : "",
                           "client auth ",
                           std::string(net::ClientAuthName(p.tls->server.client_auth)), ")")
            : std::string("off"));
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

absl::Status Node::BuildDoors(Parts& p) {
  const Config& config = p.config;
  const core::Clock& clock = core::SystemClock::Instance();
  p.gubernator = std::make_unique<api::GubernatorHandler>(
      p.status->router(), clock, *p.mode.health, &p.metrics, AdmissionOptionsFor(config));
  p.gubernator_service = std::make_unique<api::GubernatorService>(*p.gubernator, p.metrics, p.tracer);
  p.rules = std::make_unique<rules::RuleStore>(
      config.rules.path, [&metrics = p.metrics, &reloads = p.status->reloads()](
                             const absl::Status& result) {
        metrics.RecordRulesReload(result.ok());
        reloads.Record(result, core::SystemClock::Instance().NowMillis());
      });
  if (!config.rules.path.empty()) {
    // Watch first, then load: a change between the two is not missed.
    if (config.rules.watch) {
      auto watcher = rules::RuleWatcher::Start(p.rules.get());
      if (!watcher.ok()) return watcher.status();
      p.rules_watcher = std::move(*watcher);
    }
    if (absl::Status status = p.rules->Reload(); !status.ok()) return status;
  }
  p.envoy = std::make_unique<api::EnvoyHandler>(
      p.status->router(), clock, *p.rules,
      api::EnvoyOptions{.shadow_mode = config.rules.shadow_mode,
                        .rate_limit_headers = config.rules.rate_limit_headers,
                        .admission = AdmissionOptionsFor(config)},
      &p.metrics);
  p.envoy_service = std::make_unique<api::EnvoyService>(*p.envoy, p.metrics, p.tracer);
  return absl::OkStatus();
}

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() { Shutdown(); }

void Node::Shutdown() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  spdlog::info("shutting down: serving {} s more, then draining for up to {} s",
               p.config.server.shutdown_delay_seconds, p.config.server.drain_timeout_seconds);
  p.gubernator->SetShuttingDown();
  p.grpc_health->Shutdown();
  std::this_thread::sleep_for(std::chrono::seconds(p.config.server.shutdown_delay_seconds));
  p.mode.Leave();  // leave the cluster (etcd: delete + revoke)
  // Stop accepting on both doors; in-flight calls finish within the drain timeout.
  const auto drain = std::chrono::seconds(p.config.server.drain_timeout_seconds);
  std::thread http_stop([&p, drain] { p.http_server->Stop(drain); });
  p.grpc_drain.Shutdown(*p.grpc_server, drain);
  http_stop.join();
  if (p.status_server) p.status_server->Stop();
  p.mode.Stop();  // the mesh's last push and leave; GLOBAL sync and peer clients
  if (p.tracing) p.tracing->Stop();  // sends the spans still queued
  if (p.rules_watcher) p.rules_watcher->Stop();
  p.persistence->Stop();  // the last snapshot, once no call can change a key any more
  spdlog::info("stopped");
}

void Node::Reload() {
  Parts& p = *parts_;
  if (!p.rules->path().empty()) {
    // RuleStore logs the outcome (with file and line on failure) and keeps the old rules.
    (void)p.rules->Reload();
  }
  if (!p.config.tls.cert_file.empty()) {
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
