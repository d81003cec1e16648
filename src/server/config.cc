#include "server/config.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/host_port.h"
#include "server/settings_catalog.h"
#include "core/store.h"
#include "server/mode_settings.h"
#include "server/settings_parser.h"
#include "server/settings_values.h"
#include "spdlog/spdlog.h"

namespace sluice::server {

absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  return ParseCommandLine(argc, argv, ProcessEnvironment());
}

absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                             const std::map<std::string, std::string>& env) {
  CommandLine out;
  Config& c = out.config;
  CLI::App app{"Sluice: a distributed rate-limiting service (Gubernator and Envoy RLS compatible)",
               "sluice"};
  app.set_version_flag("-V,--version", kVersion);
  // A command, not a setting: no variable or settings-file key (settings_catalog.cc).
  app.add_flag(std::string(kValidateFlag), out.validate,
               "check the settings and rules files, print every error as file:line, exit 1 if "
               "any (0 if none); binds no port")
      ->group(std::string(kCommandGroup));
  for (int i = 1; i < argc; ++i) out.validate |= argv[i] == std::string_view(kValidateFlag);
  app.add_option("--settings", c.settings_file,
                 "settings file: YAML sections, or Gubernator's KEY=VALUE lines (see "
                 "docs/configuration.md)");
  std::string peers;
  app.add_option("-a,--addr", c.grpc_address, "gRPC listen address (all gRPC services)")
      ->capture_default_str();
  app.add_option("--http-addr", c.http_address, "HTTP listen address (gateway, /metrics)")
      ->capture_default_str();
  app.add_option("--advertise-addr", c.advertise_address,
                 "address peers use to reach this node's gRPC (default: the gRPC address)");
  app.add_option("--cache-size", c.cache_size, "store capacity in tracked keys")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 32));
  app.add_option("--cache-max-bytes", c.cache_max_bytes,
                 "bytes the store's keys may take (0 = --cache-size x 256)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 46));
  app.add_option("--max-key-bytes", c.max_key_bytes,
                 "longest rate-limit key accepted (namespace + '_' + unique_key)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_option("--http-threads", c.http_threads, "HTTP I/O threads (0 = number of CPUs)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("-c,--config,--rules", c.rules_path,
                 "Envoy rules: a YAML file or a directory of them");
  app.add_flag("!--no-rules-watch", c.rules_watch,
               "do not watch the rules path for changes (SIGHUP still reloads)");
  app.add_flag("--shadow-mode", c.envoy_shadow_mode,
               "Envoy door: answer OK even when over the limit (statuses still say OVER_LIMIT)");
  app.add_flag("--rate-limit-headers", c.envoy_rate_limit_headers,
               "Envoy door: add RateLimit-Limit/-Remaining/-Reset response headers");
  app.add_option("--shutdown-delay", c.shutdown_delay_seconds,
                 "seconds to keep serving after SIGTERM while LiveCheck reports shutting down")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  app.add_option("--drain-timeout", c.drain_timeout_seconds,
                 "seconds in-flight calls may take to finish during shutdown")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  app.add_option("--grpc-max-concurrent-streams", c.grpc_max_concurrent_streams,
                 "gRPC: streams (calls) one connection may have open at once; more wait in the "
                 "client")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--grpc-max-memory-mb", c.grpc_max_memory_mb,
                 "gRPC: MiB of buffers all connections may hold (resource quota)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{16}, int64_t{1} << 20));
  app.add_option("--grpc-max-threads", c.grpc_max_threads,
                 "gRPC: threads its resource quota allows")
      ->capture_default_str()
      ->check(CLI::Range(2, 4096));
  app.add_option("--log-level", c.log_level, "log level")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--log-format", c.log_format, "log format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--instance-id", c.instance_id,
                 "this node's name in its log lines and ready line");
  app.add_option("--peers", peers, "static cluster peers or mesh seeds: host:port,...");
  // Cluster (docs/cluster.md). Durations are Go-style text ("500us", "100ms", "5s").
  std::string dns_fqdns, etcd_endpoints = "localhost:2379";
  std::map<std::string, std::pair<std::string, absl::Duration*>> durations;
  auto add_duration = [&](const std::string& flag, absl::Duration* field, const char* help) {
    auto& entry = durations[flag] = {absl::FormatDuration(*field), field};
    app.add_option(flag, entry.first, help)->capture_default_str();
  };
  app.add_option("--discovery", c.discovery,
                 "how cluster peers are found: static (--peers), dns (--dns-fqdn), etcd, k8s (the "
                 "Kubernetes API, in a pod), mesh (gossip; --peers are mesh seeds)")
      ->capture_default_str()
      ->check(CLI::IsMember({"static", "dns", "etcd", "k8s", "mesh"}));
  app.add_option("--data-center", c.data_center, "this node's data center");
  app.add_option("--dns-fqdn", dns_fqdns, "DNS discovery: names of the peers' A/AAAA records, a,b");
  add_duration("--max-clock-skew", &c.max_clock_skew,
               "created_at further than this from the server's clock is clamped (0 = always "
               "use the server's clock)");
  add_duration("--dns-interval", &c.dns_interval, "DNS discovery: time between resolutions");
  app.add_option("--etcd-endpoints", etcd_endpoints, "etcd discovery: endpoints, host:port,...")
      ->capture_default_str();
  app.add_option("--etcd-key-prefix,--etcd-prefix", c.etcd_key_prefix,
                 "etcd discovery: key prefix of registrations")
      ->capture_default_str();
  add_duration("--etcd-lease-ttl", &c.etcd_lease_ttl, "etcd discovery: registration lease TTL");
  add_duration("--etcd-poll-interval", &c.etcd_poll_interval, "etcd discovery: list period");
  add_duration("--etcd-timeout", &c.etcd_timeout, "etcd discovery: request timeout");
  app.add_option("--peer-picker", c.peer_picker,
                 "cluster: the ring (Gubernator's GUBER_PEER_PICKER); only replicated-hash")
      ->check(CLI::IsMember({"", "replicated-hash"}));
  app.add_option("--peer-picker-hash", c.peer_picker_hash,
                 "cluster: ring hash, fnv1 or fnv1a (default: fnv1; fnv1a with --peer-picker)")
      ->check(CLI::IsMember({"", "fnv1", "fnv1a"}));
  app.add_option("--replicated-hash-replicas", c.replicated_hash_replicas,
                 "cluster: ring points per peer")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  app.add_option("--k8s-namespace", c.k8s_namespace, "k8s discovery: namespace watched")
      ->capture_default_str();
  app.add_option("--k8s-service-name", c.k8s_service_name,
                 "k8s discovery: the Service whose EndpointSlices are watched");
  app.add_option("--k8s-selector", c.k8s_selector,
                 "k8s discovery: label selector of the pods (or, without --k8s-service-name, of "
                 "the EndpointSlices), e.g. app=sluice");
  app.add_option("--k8s-watch-mechanism", c.k8s_watch_mechanism,
                 "k8s discovery: what is watched (endpoints = endpointslices)")
      ->capture_default_str()
      ->check(CLI::IsMember({"endpointslices", "endpoints", "pods"}));
  app.add_option("--k8s-pod-ip", c.k8s_pod_ip,
                 "k8s discovery: this pod's IP (Downward API status.podIP); advertised");
  app.add_option("--k8s-pod-port", c.k8s_pod_port,
                 "k8s discovery: every peer's gRPC port (0 = this node's gRPC port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--k8s-service-account-dir", c.k8s_service_account_dir,
                 "k8s discovery: directory holding the service account's token and ca.crt")
      ->capture_default_str();
  add_duration("--batch-wait", &c.batch_wait, "forwarding: wait after a batch's first item");
  app.add_option("--batch-limit", c.batch_limit, "forwarding: items per batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  add_duration("--batch-timeout", &c.batch_timeout, "forwarding: deadline of a batch RPC");
  app.add_flag("--disable-batching", c.disable_batching, "forwarding: send every item alone");
  add_duration("--global-sync-wait", &c.global_sync_wait, "GLOBAL: hits and broadcast period");
  app.add_option("--global-batch-limit", c.global_batch_limit, "GLOBAL: keys per sync call")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  add_duration("--global-timeout", &c.global_timeout, "GLOBAL: deadline of sync calls");
  app.add_flag("--force-global", c.force_global, "treat every request as GLOBAL");
  app.add_flag("--fail-open", c.fail_open,
               "answer from the local limiter when a key's owner cannot be reached");
  add_duration("--peer-error-window", &c.peer_error_window,
               "how long a failed peer call keeps HealthCheck unhealthy");
  // Mesh (docs/mesh.md).
  app.add_flag("--mesh", c.mesh,
               "mesh mode: decide every request locally, share counters by UDP gossip");
  app.add_option("--node-id", c.node_id, "mesh: this node's id, kept across restarts (default: "
                                         "random)");
  std::string mesh_seeds;
  app.add_option("--mesh-seeds", mesh_seeds,
                 "mesh: seed peers' mesh addresses, host:port,... (default: --peers)");
  app.add_option("--mesh-addr", c.mesh_address, "mesh: gossip UDP bind address")
      ->capture_default_str();
  app.add_option("--mesh-advertise-addr", c.mesh_advertise_address,
                 "mesh: address peers gossip to (default: --mesh-addr with the host of the "
                 "gRPC advertise address)");
  app.add_option("--mesh-cluster-id,--cluster-id", c.mesh_cluster_id,
                 "mesh: packets of another cluster id are dropped")
      ->capture_default_str();
  app.add_option("--mesh-secret-file", c.mesh_secret_file,
                 "mesh: file with the shared key (>= 16 bytes) that signs every packet");
  add_duration("--gossip-interval", &c.gossip_interval,
               "mesh: anti-entropy period (digest to --gossip-fanout peers)");
  app.add_option("--gossip-fanout", c.gossip_fanout, "mesh: live peers per anti-entropy round")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  add_duration("--gossip-push-interval", &c.gossip_push_interval,
               "mesh: new counts are pushed to every live peer within this (0 = off)");
  add_duration("--mesh-suspicion-timeout", &c.mesh_suspicion_timeout,
               "mesh: silence before a node is suspect (dead after twice as long)");
  add_duration("--mesh-gc-grace", &c.mesh_gc_grace,
               "mesh: ended windows are deleted this long after their end");
  app.add_flag("--mesh-test-hooks", c.mesh_test_hooks)->group("");  // hidden: tests only
  // TLS (docs/operations.md#tls).
  app.add_option("--tls-cert,--tls-cert-file", c.tls_cert_file,
                 "TLS: this node's certificate chain (PEM); turns TLS on for gRPC, HTTP and "
                 "peer links")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key,--tls-key-file", c.tls_key_file,
                 "TLS: this node's private key (PEM)")
      ->check(CLI::ExistingFile);
  app.add_flag("--tls-auto", c.tls_auto,
               "TLS: serve with a self-signed certificate made at start (standalone and mesh "
               "nodes; clients skip verification)");
  app.add_option("--tls-ca,--tls-ca-file", c.tls_ca_file,
                 "TLS: CA (PEM) verifying peers, and clients without --tls-client-ca")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-client-auth", c.tls_client_auth,
                 "TLS: client certificates (require-and-verify = mTLS)")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"none", "request-cert", "verify-cert", "require-any-cert", "require-and-verify"}));
  app.add_option("--tls-client-ca,--tls-client-ca-file", c.tls_client_ca_file,
                 "TLS: CA (PEM) verifying client certificates (default: --tls-ca)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-peer-cert", c.tls_peer_cert_file,
                 "TLS: certificate presented to peers (default: --tls-cert)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-peer-key", c.tls_peer_key_file,
                 "TLS: key of --tls-peer-cert (default: --tls-key)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-peer-server-name", c.tls_peer_server_name,
                 "TLS: name expected in peers' certificates instead of the host dialled");
  app.add_option("--tls-min-version", c.tls_min_version,
                 "TLS: lowest version the HTTP listener accepts (gRPC: 1.2 and 1.3)")
      ->capture_default_str()
      ->check(CLI::IsMember({"1.2", "1.3"}));
  add_duration("--tls-reload-interval", &c.tls_reload_interval,
               "TLS: how often gRPC re-reads the certificate files (SIGHUP reloads HTTP's)");
  app.add_option("--status-http-addr", c.status_http_address,
                 "plaintext HTTP listener with only /v1/HealthCheck and /v1/LiveCheck (probes "
                 "under mTLS)");

  // Flags > environment > settings file > defaults, for every option declared above.
  auto settings = ParseSettings(app, argc, argv, env, /*keep_going=*/out.validate);
  if (!settings.ok()) return settings.status();
  out.warnings = settings->warnings;
  out.errors = settings->errors;
  out.sources = settings->sources;
  // Past here, a --validate run records a problem and goes on.
  auto fail = [&](absl::Status status) -> absl::Status {
    status = settings->Attribute(std::move(status));
    if (!out.validate) return status;
    out.errors.emplace_back(status.message());
    return absl::OkStatus();
  };
  if (settings->exit_now) {  // -h, -V, --print-config-reference
    out.exit_now = true;
    out.output = settings->output;
    return out;
  }
  for (auto part : absl::StrSplit(peers, ',', absl::SkipWhitespace())) {
    c.peers.emplace_back(part);
  }
  for (const auto& [flag, entry] : durations) {
    auto duration = ParseGoDuration(entry.first);
    if (!duration.ok() || *duration < absl::ZeroDuration()) {
      if (auto status = fail(absl::InvalidArgumentError(absl::StrCat(
              flag, ": '", entry.first, "' is not a duration such as 500us, 100ms, 5s")));
          !status.ok()) {
        return status;
      }
      continue;
    }
    *entry.second = *duration;
  }
  for (const auto& [flag, source] : out.sources) {
    const CLI::Option* option = app.get_option_no_throw(flag);
    if (option == nullptr) continue;
    std::string value = absl::StrJoin(option->results(), ",");
    if (IsFlag(*option) && value.empty()) value = "true";
    if (!option->get_default_str().empty() && value == option->get_default_str()) continue;
    out.changed[flag] = IsSecretSetting(flag) && !value.empty() ? "****" : value;
  }
  c.dns_fqdns = absl::StrSplit(dns_fqdns, ',', absl::SkipWhitespace());
  // The kubelet's variables (client-go's in-cluster config reads the same two).
  if (auto host = env.find("KUBERNETES_SERVICE_HOST"); host != env.end()) {
    c.k8s_api_host = host->second;
  }
  if (auto port = env.find("KUBERNETES_SERVICE_PORT"); port != env.end()) {
    if (!absl::SimpleAtoi(port->second, &c.k8s_api_port) || c.k8s_api_port <= 0 ||
        c.k8s_api_port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "KUBERNETES_SERVICE_PORT: '", port->second, "' is not a port number"));
    }
  }
  c.etcd_endpoints = absl::StrSplit(etcd_endpoints, ',', absl::SkipWhitespace());
  c.mesh_seeds = absl::StrSplit(mesh_seeds, ',', absl::SkipWhitespace());
  std::vector<std::string> ignored;
  // ResolveMode names each setting with its source itself, so its errors are not attributed.
  if (auto status = ResolveMode(c, settings->sources, ignored); !status.ok()) {
    if (!out.validate) return status;
    out.errors.emplace_back(status.message());
  }
  for (std::string& warning : ignored) out.warnings.push_back(std::move(warning));
  if (auto status = Validate(c); !status.ok()) {
    if (auto failed = fail(status); !failed.ok()) return failed;
  }
  return out;
}

bool IsSecretSetting(const std::string& flag) {
  return absl::StrContains(flag, "password") || absl::StrContains(flag, "token") ||
         (absl::StrContains(flag, "secret") && !absl::EndsWith(flag, "-file"));
}

void LogStartupSettings(const CommandLine& command_line) {
  for (const std::string& warning : command_line.warnings) spdlog::warn("{}", warning);
  for (const auto& [flag, value] : command_line.changed) {
    const auto source = command_line.sources.find(flag);
    spdlog::info("setting {}={} ({})", flag, value,
                 source == command_line.sources.end() ? "default" : source->second);
  }
}

namespace {

// The smallest byte budget that still holds one key of the longest length in every shard.
int64_t MinCacheBytes(const Config& c) {
  return kStoreShards *
         static_cast<int64_t>(core::Store::EntryBytes(static_cast<size_t>(c.max_key_bytes)));
}

absl::Status ValidateK8s(const Config& c) {
  if (c.k8s_api_host.empty() || c.k8s_api_port == 0) {
    return absl::FailedPreconditionError(
        "--discovery k8s: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, so "
        "this is not running in a Kubernetes pod; k8s discovery reads the cluster's API from "
        "inside a pod (outside one use --discovery static, dns or etcd)");
  }
  if (c.k8s_pod_ip.empty()) {
    return absl::InvalidArgumentError(
        "--k8s-pod-ip (GUBER_K8S_POD_IP): required with --discovery k8s; set it from the "
        "Downward API (fieldRef status.podIP)");
  }
  if (c.k8s_watch_mechanism == "pods" && c.k8s_selector.empty()) {
    return absl::InvalidArgumentError(
        "--k8s-selector (GUBER_K8S_SELECTOR): required with --k8s-watch-mechanism pods");
  }
  if (c.k8s_watch_mechanism != "pods" && c.k8s_service_name.empty() && c.k8s_selector.empty()) {
    return absl::InvalidArgumentError(
        "--k8s-service-name (GUBER_K8S_SERVICE_NAME) or --k8s-selector (GUBER_K8S_SELECTOR): "
        "one is required with --discovery k8s watching endpointslices");
  }
  return absl::OkStatus();
}

}  // namespace

std::string RingHashName(const Config& c) {
  if (!c.peer_picker_hash.empty()) return c.peer_picker_hash;
  return c.peer_picker.empty() ? "fnv1" : "fnv1a";
}

int64_t CacheMaxBytes(const Config& c) {
  if (c.cache_max_bytes != 0) return c.cache_max_bytes;
  return std::max(c.cache_size * kCacheBytesPerKey, MinCacheBytes(c));
}

absl::Status Validate(const Config& c) {
  // Listeners may take port 0 (the kernel picks); addresses others dial may not.
  auto check_address = [](std::string_view setting, const std::string& address,
                          common::PortZero port_zero) -> absl::Status {
    auto hp = common::SplitHostPort(address, port_zero);
    if (!hp.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(setting), ": ", std::string(hp.status().message())));
    }
    return absl::OkStatus();
  };
  auto check = [&](std::string_view setting, const std::string& address) {
    return check_address(setting, address, common::PortZero::kAllowed);
  };
  auto check_dialed = [&](std::string_view setting, const std::string& address) {
    return check_address(setting, address, common::PortZero::kRefused);
  };
  if (auto s = check("--addr", c.grpc_address); !s.ok()) return s;
  // Every store shard must hold at least one key of the longest length accepted.
  const int64_t min_bytes = MinCacheBytes(c);
  if (c.cache_max_bytes != 0 && c.cache_max_bytes < min_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cache-max-bytes: ", c.cache_max_bytes, " is too small for --max-key-bytes ",
        c.max_key_bytes, "; give at least ", min_bytes, " (", kStoreShards,
        " store shards, each holding one key of the longest length)"));
  }
  if (auto s = check("--http-addr", c.http_address); !s.ok()) return s;
  if (c.discovery == "dns" && c.dns_fqdns.empty()) {
    return absl::InvalidArgumentError("--dns-fqdn: required with --discovery dns");
  }
  if (c.discovery == "etcd" && c.etcd_endpoints.empty()) {
    return absl::InvalidArgumentError("--etcd-endpoints: required with --discovery etcd");
  }
  if (c.discovery == "k8s") {
    if (auto s = ValidateK8s(c); !s.ok()) return s;
  }
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key: give both or neither");
  }
  if (c.tls_peer_cert_file.empty() != c.tls_peer_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-peer-cert and --tls-peer-key: give both or neither");
  }
  if (c.tls_auto && !c.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-auto: give either --tls-auto or --tls-cert and --tls-key, not both");
  }
  if (c.tls_auto && !c.mesh && (c.discovery != "static" || !c.peers.empty())) {
    return absl::InvalidArgumentError(
        "--tls-auto: a cluster's peers cannot verify each other's self-signed certificates; "
        "give --tls-cert, --tls-key and --tls-ca (one CA for the cluster)");
  }
  const bool tls_on = !c.tls_cert_file.empty() || c.tls_auto;
  if (!tls_on && (c.tls_client_auth != "none" || !c.tls_ca_file.empty() ||
                  !c.tls_client_ca_file.empty() || !c.tls_peer_cert_file.empty())) {
    return absl::InvalidArgumentError(
        "--tls-ca, --tls-client-auth, --tls-client-ca and --tls-peer-cert need --tls-cert and "
        "--tls-key (TLS is on only with a certificate)");
  }
  if ((c.tls_client_auth == "verify-cert" || c.tls_client_auth == "require-and-verify") &&
      c.tls_client_ca_file.empty() && c.tls_ca_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-client-auth: '", c.tls_client_auth,
        "' verifies client certificates but no CA is given (--tls-client-ca or --tls-ca)"));
  }
  if (!c.tls_cert_file.empty() && c.tls_reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--tls-reload-interval: must be at least 1s");
  }
  if (!c.status_http_address.empty()) {
    if (auto s = check("--status-http-addr", c.status_http_address); !s.ok()) return s;
  }
  if (c.batch_timeout <= absl::ZeroDuration() || c.global_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--batch-timeout and --global-timeout must be > 0");
  }
  if (c.mesh || c.discovery == "mesh") {
    if (auto s = check_dialed("--mesh-addr", c.mesh_address); !s.ok()) return s;
    if (!c.mesh_advertise_address.empty()) {
      if (auto s = check_dialed("--mesh-advertise-addr", c.mesh_advertise_address); !s.ok()) {
        return s;
      }
      if (common::IsWildcardHost(common::SplitHostPort(c.mesh_advertise_address)->host)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--mesh-advertise-addr: '", c.mesh_advertise_address,
            "' cannot be advertised; give the address peers reach this node at"));
      }
    }
    if (c.gossip_interval < absl::Milliseconds(10) ||
        c.mesh_suspicion_timeout < 2 * c.gossip_interval ||
        c.gossip_push_interval > c.gossip_interval) {
      return absl::InvalidArgumentError(
          "--gossip-interval must be >= 10ms, --mesh-suspicion-timeout at least two gossip "
          "intervals and --gossip-push-interval at most one");
    }
    for (const auto& seed : c.mesh_seeds) {
      if (auto s = check_dialed("--mesh-seeds", seed); !s.ok()) return s;
    }
  }
  if (c.advertise_address.empty()) return absl::OkStatus();  // derived from the bound address
  if (auto s = check_dialed("--advertise-addr", c.advertise_address); !s.ok()) return s;
  if (common::IsWildcardHost(common::SplitHostPort(c.advertise_address)->host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--advertise-addr: '", c.advertise_address,
        "' cannot be advertised; give the address peers reach this node at"));
  }
  for (const auto& peer : c.peers) {
    if (auto s = check_dialed("--peers", peer); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sluice::server
