#include "server/node.h"

#include <grpcpp/grpcpp.h>
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
#include "api/gubernator_http.h"
#include "api/gubernator_service.h"
#include "api/health.h"
#include "api/http_server.h"
#include "cluster/router.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "obs/registry.h"
#include "obs/sluice_metrics.h"
#include "rules/rule_set.h"
#include "rules/rule_store.h"
#include "rules/rule_watcher.h"
#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

constexpr int kMaxMessageBytes = 1 << 20;

// The address peers should use when the gRPC server binds a wildcard host: this host's name
// resolved to an address (as Gubernator does), else loopback.
std::string AdvertiseAddressFor(const std::string& bind_host, int port) {
  std::string host = bind_host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    host = "127.0.0.1";
    char name[256] = {};
    addrinfo hints{};
    hints.ai_family = AF_INET;
    addrinfo* result = nullptr;
    if (gethostname(name, sizeof(name) - 1) == 0 &&
        getaddrinfo(name, nullptr, &hints, &result) == 0 && result != nullptr) {
      char buf[NI_MAXHOST];
      if (getnameinfo(result->ai_addr, result->ai_addrlen, buf, sizeof(buf), nullptr, 0,
                      NI_NUMERICHOST) == 0) {
        host = buf;
      }
      freeaddrinfo(result);
    }
  }
  if (host.find(':') != std::string::npos) host = absl::StrCat("[", host, "]");
  return absl::StrCat(host, ":", port);
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

}  // namespace

struct Node::Parts {
  Config config;
  std::string advertise_address;
  obs::Registry registry;
  obs::Metrics metrics{registry, kVersion};
  core::Store store;
  core::Limiter limiter{store};
  std::unique_ptr<cluster::Router> router;
  std::unique_ptr<api::HealthReporter> health;
  std::unique_ptr<api::GubernatorHandler> gubernator;
  std::unique_ptr<api::GubernatorService> gubernator_service;
  std::unique_ptr<rules::RuleStore> rules;  // null without a rules path
  std::unique_ptr<rules::RuleWatcher> rules_watcher;
  std::unique_ptr<api::EnvoyHandler> envoy;
  std::unique_ptr<api::EnvoyService> envoy_service;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<api::HttpServer> http_server;
  int grpc_port = 0;
  bool stopped = false;

  explicit Parts(const Config& c)
      : config(c),
        store(core::StoreOptions{.capacity = static_cast<size_t>(c.cache_size), .shards = 64}) {}
};

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const Config& config) {
  auto parts = std::make_unique<Parts>(config);
  Parts& p = *parts;

  auto grpc_hp = api::SplitHostPort(config.grpc_address);
  if (!grpc_hp.ok()) return grpc_hp.status();

  p.router = std::make_unique<cluster::LocalRouter>(p.limiter);
  // Port 0 asks for a free port; it is chosen now so the advertise address is known before the
  // first call can arrive.
  int grpc_port = grpc_hp->second == 0 ? FreePort(grpc_hp->first) : grpc_hp->second;
  std::string grpc_address = absl::StrCat(grpc_hp->first.find(':') != std::string::npos
                                              ? absl::StrCat("[", grpc_hp->first, "]")
                                              : grpc_hp->first,
                                          ":", grpc_port);
  p.advertise_address = config.advertise_address.empty()
                            ? AdvertiseAddressFor(grpc_hp->first, grpc_port)
                            : config.advertise_address;
  p.health = std::make_unique<api::StandaloneHealth>(p.advertise_address);
  p.gubernator = std::make_unique<api::GubernatorHandler>(
      *p.router, core::SystemClock::Instance(), *p.health, &p.metrics);
  p.gubernator_service = std::make_unique<api::GubernatorService>(*p.gubernator, p.metrics);
  if (!config.rules_path.empty()) {
    p.rules = std::make_unique<rules::RuleStore>(config.rules_path);
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
      [rules = p.rules.get()] { return rules ? rules->Current() : rules::RuleSet::Empty(); },
      api::EnvoyOptions{.shadow_mode = config.envoy_shadow_mode,
                        .rate_limit_headers = config.envoy_rate_limit_headers},
      &p.metrics);
  p.envoy_service = std::make_unique<api::EnvoyService>(*p.envoy, p.metrics);
  p.metrics.BindStore([&store = p.store] {
    core::StoreStats s = store.Stats();
    return obs::StoreReading{.items = s.size, .hits = s.hits, .misses = s.misses,
                             .unexpired_evictions = s.unexpired_evictions};
  });
  grpc::ServerBuilder builder;
  builder.AddListeningPort(grpc_address, grpc::InsecureServerCredentials(), &p.grpc_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.RegisterService(p.gubernator_service.get());
  builder.RegisterService(p.envoy_service.get());
  p.grpc_server = builder.BuildAndStart();
  if (!p.grpc_server || p.grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on gRPC address '", grpc_address, "'"));
  }

  int threads = config.http_threads > 0 ? config.http_threads
                                        : static_cast<int>(std::thread::hardware_concurrency());
  p.http_server = std::make_unique<api::HttpServer>(
      api::HttpServerOptions{.address = config.http_address, .threads = std::max(1, threads)});
  api::AddGubernatorRoutes(*p.http_server, *p.gubernator, p.metrics);
  api::AddMetricsRoute(*p.http_server, p.registry, p.metrics);
  api::AddEnvoyJsonRoute(*p.http_server, *p.envoy, p.metrics);
  if (auto status = p.http_server->Start(); !status.ok()) {
    p.grpc_server->Shutdown();
    return status;
  }

  auto http_hp = api::SplitHostPort(config.http_address);
  spdlog::info("sluice {} ready: gRPC on {}:{}, HTTP on {}:{}, advertising {}, cache size {}",
               kVersion, grpc_hp->first, p.grpc_port, http_hp->first, p.http_server->port(),
               p.advertise_address, config.cache_size);
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() { Shutdown(); }

void Node::Shutdown() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  spdlog::info("shutting down");
  p.gubernator->SetShuttingDown();
  // Stop accepting and let in-flight gRPC calls finish (bounded), then stop HTTP.
  p.grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  p.http_server->Stop();
  if (p.rules_watcher) p.rules_watcher->Stop();
  spdlog::info("stopped");
}

void Node::Reload() {
  Parts& p = *parts_;
  if (p.rules) {
    // RuleStore logs the outcome (with file and line on failure) and keeps the old rules.
    (void)p.rules->Reload();
  }
}

int Node::grpc_port() const { return parts_->grpc_port; }
int Node::http_port() const { return parts_->http_server->port(); }
const std::string& Node::advertise_address() const { return parts_->advertise_address; }

}  // namespace sluice::server
