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
#include "persist/persistence.h"
#include "rules/rule_set.h"
#include "rules/rule_store.h"
#include "rules/rule_watcher.h"
#include "server/http_routes.h"
#include "server/cluster_member_parts.h"
#include "server/node_builder.h"
#include "server/port_reservation.h"
#include "server/node_status.h"
#include "server/peer_failure_answers.h"
#include "server/grpc_drain.h"
#include "server/grpc_log.h"
#include "server/throttled_log.h"
#include "server/tls_files.h"
#include "trace/tracing.h"
#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

constexpr int kMaxMessageBytes = 1 << 20;

}  // namespace

// The binary's listeners around its cluster member (include/sluice/cluster_member.h): the member
// holds the limiter, the mode and the doors' handlers; the node adds the gRPC server it serves
// them on, the HTTP door with /metrics, and the status page.
struct Node::Parts {
  explicit Parts(std::unique_ptr<ClusterMember> created)
      : member(std::move(created)), m(member->parts()) {}

  std::unique_ptr<ClusterMember> member;
  ClusterMember::Parts& m;
  // sluice_accept_failures_total{listener="http"}: the HTTP listener out of descriptors.
  obs::Counter* http_accept_failures = m.registry.AddCounter(
      "sluice_accept_failures_total",
      "Connections a listener could not accept for want of a resource (file descriptors, "
      "memory); the listener waits and retries.",
      {{"listener", "http"}});
  ThrottledLog accept_failure_log{std::chrono::seconds(10)};
  // sluice_accept_failures_total{listener="grpc"}: gRPC 1.51's listener gave up (grpc_log.h).
  obs::Counter* grpc_accept_failures = m.registry.AddCounter(
      "sluice_accept_failures_total",
      "Connections a listener could not accept for want of a resource (file descriptors, "
      "memory); the listener waits and retries.",
      {{"listener", "grpc"}});
  GrpcDrain grpc_drain;  // counts gRPC calls in progress; stops the server (grpc_drain.h)
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<api::GrpcHealthPublisher> grpc_health;  // grpc.health.v1, following health
  std::unique_ptr<net::HttpServer> http_server;
  std::unique_ptr<net::HttpServer> status_server;  // --status-http-addr: health only, plaintext
  int grpc_port = 0;
  bool stopped = false;
  ~Parts() { SetGrpcAcceptFailureHook(nullptr); }  // the hook refers to this node
};

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const Config& config,
                                                   std::vector<StatusSetting> settings) {
  const int64_t started_ms = core::SystemClock::Instance().NowMillis();
  auto grpc_hp = common::SplitHostPort(config.server.grpc_address, common::PortZero::kAllowed);
  if (!grpc_hp.ok()) return grpc_hp.status();
  // Port 0 asks for a free port. It is reserved now, so the advertise address is known before
  // the member is built, and held until gRPC has bound it (port_reservation.h).
  std::optional<PortReservation> reserved;
  if (grpc_hp->port == 0) {
    auto reservation = PortReservation::Reserve(grpc_hp->host);
    if (!reservation.ok()) return reservation.status();
    reserved = std::move(*reservation);
  }
  const int grpc_port = reserved ? reserved->port() : grpc_hp->port;
  const std::string grpc_address =
      common::JoinHostPort(grpc_hp->host, static_cast<uint16_t>(grpc_port));

  auto member =
      CreateClusterMember(config, AdvertiseAddressFor(config, grpc_hp->host, grpc_port));
  if (!member.ok()) return member.status();
  auto parts = std::make_unique<Parts>(std::move(*member));
  Parts& p = *parts;
  ClusterMember::Parts& m = p.m;
  m.status->Bind(StatusInputs{
      .version = kVersion,
      .mode = config.mesh.enabled ? std::string("mesh")
              : m.mode.cluster_router
                  ? "cluster (" + std::string(DiscoveryName(config.cluster.discovery)) + " discovery)"
                  : std::string("standalone"),
      .instance_id = config.server.instance_id,
      .advertise_address = m.advertise_address,
      .started_ms = started_ms,
      .settings = std::move(settings),
      .health = m.mode.health.get(),
      .cluster_view = m.mode.cluster_router
                          ? std::function([r = m.mode.cluster_router] { return r->view(); })
                          : nullptr,
      .peer_error_window = config.cluster.peer_error_window,
      .peer_failure = m.mode.cluster_router
                          ? std::function([&metrics = m.cluster_metrics.router,
                                           policy = config.cluster.on_peer_failure] {
                              return StatusPeerFailure{
                                  .policy = std::string(cluster::PeerFailurePolicyName(policy)),
                                  .answers = PeerFailureAnswers(metrics, policy)};
                            })
                          : nullptr,
      .mesh = m.mode.mesh.get(),
      .rules = m.rules.get()});
  RouteGrpcLogToSpdlog();
  SetGrpcAcceptFailureHook([&p](std::string_view line) {
    p.grpc_accept_failures->Increment();
    spdlog::error(
        "gRPC port {}: {}; gRPC 1.51 accepts no connection on this port any more: restart this "
        "node, and raise its descriptor limit (LimitNOFILE)",
        p.grpc_port, line);
  });
  // grpc.health.v1.Health (Kubernetes gRPC probes) and server reflection (grpcurl).
  api::EnableHealthService();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(grpc_address,
                           m.tls ? net::GrpcServerCredentials(m.tls->server)
                                 : grpc::InsecureServerCredentials(),
                           &p.grpc_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  // gRPC sets SO_REUSEPORT by default, which lets a second process bind the same explicit port
  // and take half its connections. Only a reserved port 0 shares, with its reservation
  // (port_reservation.h); an explicit port in use stops start-up.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, reserved ? 1 : 0);
  // Bounded per connection and in total (docs/operations.md "Limits"): a client opening more
  // streams waits for one to finish, and buffers beyond the quota are refused, not grown.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config.server.grpc_max_concurrent_streams);
  grpc::ResourceQuota quota("sluice-grpc");
  quota.Resize(static_cast<size_t>(config.server.grpc_max_memory_mb) << 20);
  quota.SetMaxThreads(config.server.grpc_max_threads);
  builder.SetResourceQuota(quota);
  p.member->RegisterServices(builder);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(p.grpc_drain.MakeCallCounter());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  p.grpc_server = builder.BuildAndStart();
  if (reserved) reserved->Release();  // gRPC holds the port now (or failed to bind it)
  if (!p.grpc_server || p.grpc_port == 0) {
    absl::Status why = PortReservation::CheckBindable(grpc_hp->host, grpc_port);
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on gRPC address '", grpc_address, "'",
        why.ok() ? "" : absl::StrCat(": ", why.message())));
  }
  // Once this node can serve its peers; also starts the periodic snapshot.
  if (sluice::Status joined = p.member->Join(); !joined.ok()) {
    p.grpc_server->Shutdown();
    return absl::UnavailableError(joined.message());
  }
  p.grpc_health = std::make_unique<api::GrpcHealthPublisher>(
      *p.grpc_server->GetHealthCheckService(), *m.mode.health, core::SystemClock::Instance(),
      MemberServiceNames(m));
  p.grpc_health->Start();

  const int threads = config.server.http_threads > 0
                          ? config.server.http_threads
                          : static_cast<int>(std::thread::hardware_concurrency());
  p.http_server = std::make_unique<net::HttpServer>(net::HttpServerOptions{
      .address = config.server.http_address,
      .threads = std::max(1, threads),
      .tls = m.tls ? std::optional<net::ServerTls>(m.tls->server) : std::nullopt,
      .on_accept_failure =
          [&p](const std::string& what) {
            p.http_accept_failures->Increment();
            p.accept_failure_log.Warn(what);
          }});

  const HttpRouteTargets routes{.gubernator = *m.gubernator,
                                .envoy = *m.envoy,
                                .registry = m.registry,
                                .metrics = m.door_metrics,
                                .mesh = m.mode.mesh.get(),
                                .mesh_test_hooks = config.mesh.test_hooks,
                                .status = m.status->collector(),
                                .tracer = m.tracer,
                                .admin = m.admin.get(),
                                .admin_client_cns = config.server.admin_client_cns};
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

  auto http_hp = common::SplitHostPort(config.server.http_address, common::PortZero::kAllowed);
  spdlog::info(
      "sluice {} ready{}: gRPC on {}:{}, HTTP on {}:{}, advertising {}, cache size {}, TLS {}",
      kVersion,
      config.server.instance_id.empty() ? "" : absl::StrCat(" as ", config.server.instance_id),
      grpc_hp->host, p.grpc_port, http_hp->host, p.http_server->port(), m.advertise_address,
      config.store.cache_size,
      m.tls ? absl::StrCat("on (", config.tls.auto_certificate ? "self-signed certificate, " : "",
                           "client auth ",
                           std::string(net::ClientAuthName(m.tls->server.client_auth)), ")")
            : std::string("off"));
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() { Shutdown(); }

void Node::Shutdown() {
  Parts& p = *parts_;
  ClusterMember::Parts& m = p.m;
  if (p.stopped) return;
  p.stopped = true;
  spdlog::info("shutting down: serving {} s more, then draining for up to {} s",
               m.config.server.shutdown_delay_seconds, m.config.server.drain_timeout_seconds);
  m.gubernator->SetShuttingDown();
  p.grpc_health->Shutdown();
  std::this_thread::sleep_for(std::chrono::seconds(m.config.server.shutdown_delay_seconds));
  p.member->Leave();  // leave the cluster (etcd: delete + revoke)
  // Stop accepting on both doors; in-flight calls finish within the drain timeout.
  const auto drain = std::chrono::seconds(m.config.server.drain_timeout_seconds);
  std::thread http_stop([&p, drain] { p.http_server->Stop(drain); });
  p.grpc_drain.Shutdown(*p.grpc_server, drain);
  http_stop.join();
  if (p.status_server) p.status_server->Stop();
  // The mesh's last push, GLOBAL sync and peer clients, the queued spans, the last snapshot.
  p.member->Stop();
  spdlog::info("stopped");
}

void Node::Reload() {
  Parts& p = *parts_;
  ClusterMember::Parts& m = p.m;
  if (!m.rules->path().empty()) {
    // RuleStore logs the outcome (with file and line on failure) and keeps the old rules.
    (void)m.rules->Reload();
  }
  if (!m.config.tls.cert_file.empty()) {
    // The HTTP listener's certificates now; gRPC's file watcher follows within
    // --tls-reload-interval. A bad file keeps the old certificates.
    auto tls = LoadTlsMaterial(m.config);
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
const std::string& Node::advertise_address() const { return parts_->m.advertise_address; }

}  // namespace sluice::server
