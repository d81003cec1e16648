#include "server/config.h"
#include "server/version.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/host_port.h"
#include "server/settings_catalog.h"
#include "core/store.h"
#include "server/config_validation.h"
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
  app.set_version_flag("-V,--version", VersionText());
  // A command, not a setting: no variable or settings-file key (settings_catalog.cc).
  app.add_flag(std::string(kValidateFlag), out.validate,
               "check the settings and rules files, print every error as file:line, exit 1 if "
               "any (0 if none); binds no port")
      ->group(std::string(kCommandGroup));
  for (int i = 1; i < argc; ++i) out.validate |= argv[i] == std::string_view(kValidateFlag);
  app.add_option("--settings", c.server.settings_file,
                 "settings file: YAML sections, or Gubernator's KEY=VALUE lines (see "
                 "docs/configuration.md)");
  std::string peers;
  app.add_option("-a,--addr", c.server.grpc_address, "gRPC listen address (all gRPC services)")
      ->capture_default_str();
  app.add_option("--http-addr", c.server.http_address, "HTTP listen address (gateway, /metrics)")
      ->capture_default_str();
  app.add_option("--advertise-addr", c.server.advertise_address,
                 "address peers use to reach this node's gRPC (default: the gRPC address)");
  app.add_option("--cache-size", c.store.cache_size, "store capacity in tracked keys")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 32));
  app.add_option("--cache-max-bytes", c.store.cache_max_bytes,
                 "bytes the store's keys may take (0 = --cache-size x 256)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 46));
  app.add_option("--max-key-bytes", c.store.max_key_bytes,
                 "longest rate-limit key accepted (namespace + '_' + unique_key)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_option("--http-threads", c.server.http_threads, "HTTP I/O threads (0 = number of CPUs)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("-c,--config,--rules", c.rules.path,
                 "Envoy rules: a YAML file or a directory of them");
  app.add_flag("!--no-rules-watch", c.rules.watch,
               "do not watch the rules path for changes (SIGHUP still reloads)");
  app.add_flag("--shadow-mode", c.rules.shadow_mode,
               "Envoy door: answer OK even when over the limit (statuses still say OVER_LIMIT)");
  app.add_flag("--rate-limit-headers", c.rules.rate_limit_headers,
               "Envoy door: add RateLimit-Limit/-Remaining/-Reset response headers");
  app.add_option("--shutdown-delay", c.server.shutdown_delay_seconds,
                 "seconds to keep serving after SIGTERM while LiveCheck reports shutting down")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  app.add_option("--drain-timeout", c.server.drain_timeout_seconds,
                 "seconds in-flight calls may take to finish during shutdown")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  app.add_option("--grpc-max-concurrent-streams", c.server.grpc_max_concurrent_streams,
                 "gRPC: streams (calls) one connection may have open at once; more wait in the "
                 "client")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--grpc-max-memory-mb", c.server.grpc_max_memory_mb,
                 "gRPC: MiB of buffers all connections may hold (resource quota)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{16}, int64_t{1} << 20));
  app.add_option("--grpc-max-threads", c.server.grpc_max_threads,
                 "gRPC: threads its resource quota allows")
      ->capture_default_str()
      ->check(CLI::Range(2, 4096));
  app.add_option("--log-level", c.log.level, "log level")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--log-format", c.log.format, "log format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--instance-id", c.server.instance_id,
                 "this node's name in its log lines and ready line");
  app.add_option("--peers", peers, "static cluster peers or mesh seeds: host:port,...");
  // Cluster (docs/cluster.md). Durations are Go-style text ("500us", "100ms", "5s").
  std::string dns_fqdns, etcd_endpoints = "localhost:2379";
  // Each duration flag's text and where its parsed value goes.
  std::map<std::string, std::pair<std::string, std::function<void(absl::Duration)>>> durations;
  auto add_duration = [&](const std::string& flag, absl::Duration* field, const char* help) {
    auto& entry = durations[flag] = {absl::FormatDuration(*field),
                                     [field](absl::Duration d) { *field = d; }};
    app.add_option(flag, entry.first, help)->capture_default_str();
  };
  // The same for a field in whole milliseconds (mesh::MeshOptions).
  auto add_milliseconds = [&](const std::string& flag, int64_t* field, const char* help) {
    auto& entry = durations[flag] = {absl::FormatDuration(absl::Milliseconds(*field)),
                                     [field](absl::Duration d) {
                                       *field = absl::ToInt64Milliseconds(d);
                                     }};
    app.add_option(flag, entry.first, help)->capture_default_str();
  };
  std::string discovery(DiscoveryName(c.cluster.discovery));
  app.add_option("--discovery", discovery,
                 "how cluster peers are found: static (--peers), dns (--dns-fqdn), etcd, k8s (the "
                 "Kubernetes API, in a pod), mesh (gossip; --peers are mesh seeds)")
      ->capture_default_str()
      ->check(CLI::IsMember({"static", "dns", "etcd", "k8s", "mesh"}));
  app.add_option("--data-center", c.cluster.data_center, "this node's data center");
  app.add_option("--dns-fqdn", dns_fqdns, "DNS discovery: names of the peers' A/AAAA records, a,b");
  add_duration("--max-clock-skew", &c.store.max_clock_skew,
               "created_at further than this from the server's clock is clamped (0 = always "
               "use the server's clock)");
  add_duration("--dns-interval", &c.cluster.dns.interval,
               "DNS discovery: time between resolutions");
  app.add_option("--etcd-endpoints", etcd_endpoints, "etcd discovery: endpoints, host:port,...")
      ->capture_default_str();
  app.add_option("--etcd-key-prefix,--etcd-prefix", c.cluster.etcd.key_prefix,
                 "etcd discovery: key prefix of registrations")
      ->capture_default_str();
  add_duration("--etcd-lease-ttl", &c.cluster.etcd.lease_ttl,
               "etcd discovery: registration lease TTL");
  add_duration("--etcd-poll-interval", &c.cluster.etcd.poll_interval,
               "etcd discovery: list period");
  add_duration("--etcd-timeout", &c.cluster.etcd.timeout, "etcd discovery: request timeout");
  app.add_flag("--etcd-tls", c.cluster.etcd.tls.enabled,
               "etcd discovery: https (implied by any --etcd-tls-*)");
  app.add_option("--etcd-tls-ca", c.cluster.etcd.tls.ca_file,
                 "etcd discovery: CA file of etcd's certificate");
  app.add_option("--etcd-tls-cert", c.cluster.etcd.tls.cert_file,
                 "etcd discovery: client certificate file");
  app.add_option("--etcd-tls-key", c.cluster.etcd.tls.key_file, "etcd discovery: client key file");
  app.add_flag("--etcd-tls-skip-verify", c.cluster.etcd.tls.skip_verify,
               "etcd discovery: accept any certificate from etcd");
  app.add_option("--etcd-user", c.cluster.etcd.user, "etcd discovery: user (with --etcd-password)");
  app.add_option("--etcd-password", c.cluster.etcd.password, "etcd discovery: password");
  app.add_option("--peer-picker", c.cluster.peer_picker,
                 "cluster: the ring (Gubernator's GUBER_PEER_PICKER); only replicated-hash")
      ->check(CLI::IsMember({"", "replicated-hash"}));
  app.add_option("--peer-picker-hash", c.cluster.peer_picker_hash,
                 "cluster: ring hash, fnv1 or fnv1a (default: fnv1; fnv1a with --peer-picker)")
      ->check(CLI::IsMember({"", "fnv1", "fnv1a"}));
  app.add_option("--replicated-hash-replicas", c.cluster.replicated_hash_replicas,
                 "cluster: ring points per peer")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));
  app.add_option("--k8s-namespace", c.cluster.k8s.k8s_namespace, "k8s discovery: namespace watched")
      ->capture_default_str();
  app.add_option("--k8s-service-name", c.cluster.k8s.service_name,
                 "k8s discovery: the Service whose EndpointSlices are watched");
  app.add_option("--k8s-selector", c.cluster.k8s.selector,
                 "k8s discovery: label selector of the pods (or, without --k8s-service-name, of "
                 "the EndpointSlices), e.g. app=sluice");
  std::string k8s_watch_mechanism = "endpointslices";
  app.add_option("--k8s-watch-mechanism", k8s_watch_mechanism,
                 "k8s discovery: what is watched (endpoints = endpointslices)")
      ->capture_default_str()
      ->check(CLI::IsMember({"endpointslices", "endpoints", "pods"}));
  app.add_option("--k8s-pod-ip", c.cluster.k8s.pod_ip,
                 "k8s discovery: this pod's IP (Downward API status.podIP); advertised");
  app.add_option("--k8s-pod-port", c.cluster.k8s.pod_port,
                 "k8s discovery: every peer's gRPC port (0 = this node's gRPC port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  std::string k8s_service_account_dir = std::string(kK8sServiceAccountDir);
  app.add_option("--k8s-service-account-dir", k8s_service_account_dir,
                 "k8s discovery: directory holding the service account's token and ca.crt")
      ->capture_default_str();
  add_duration("--batch-wait", &c.cluster.forwarding.batch_wait,
               "forwarding: wait after a batch's first item");
  app.add_option("--batch-limit", c.cluster.forwarding.batch_limit, "forwarding: items per batch")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  add_duration("--batch-timeout", &c.cluster.forwarding.batch_timeout,
               "forwarding: deadline of a batch RPC");
  app.add_flag("--disable-batching", c.cluster.forwarding.disable_batching,
               "forwarding: send every item alone");
  add_duration("--global-sync-wait", &c.cluster.global.sync_wait,
               "GLOBAL: hits and broadcast period");
  app.add_option("--global-batch-limit", c.cluster.global.batch_limit, "GLOBAL: keys per sync call")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  add_duration("--global-timeout", &c.cluster.forwarding.global_timeout,
               "GLOBAL: deadline of sync calls");
  app.add_flag("--force-global", c.cluster.force_global, "treat every request as GLOBAL");
  app.add_flag("--fail-open", c.cluster.fail_open,
               "answer from the local limiter when a key's owner cannot be reached");
  std::string on_peer_failure(cluster::PeerFailurePolicyName(c.cluster.on_peer_failure));
  app.add_option("--on-peer-failure", on_peer_failure,
                 "what to answer when a key's owner cannot be reached: error (an item error), "
                 "allow, deny, or local (decide here against limit / healthy nodes)")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "allow", "deny", "local"}));
  add_duration("--peer-error-window", &c.cluster.peer_error_window,
               "how long a failed peer call keeps HealthCheck unhealthy");
  // Mesh (docs/mesh.md).
  app.add_flag("--mesh", c.mesh.enabled,
               "mesh mode: decide every request locally, share counters by UDP gossip");
  app.add_option("--node-id", c.mesh.gossip.node_id,
                 "mesh: this node's id, kept across restarts (default: random)");
  std::string mesh_seeds;
  app.add_option("--mesh-seeds", mesh_seeds,
                 "mesh: seed peers' mesh addresses, host:port,... (default: --peers)");
  app.add_option("--mesh-addr", c.mesh.gossip.bind_address, "mesh: gossip UDP bind address")
      ->capture_default_str();
  app.add_option("--mesh-advertise-addr", c.mesh.gossip.advertise_address,
                 "mesh: address peers gossip to (default: --mesh-addr with the host of the "
                 "gRPC advertise address)");
  app.add_option("--mesh-cluster-id,--cluster-id", c.mesh.gossip.cluster_id,
                 "mesh: packets of another cluster id are dropped")
      ->capture_default_str();
  app.add_option("--mesh-secret-file", c.mesh.secret_file,
                 "mesh: file with the shared key (>= 16 bytes) that signs every packet");
  app.add_flag("--mesh-insecure", c.mesh.gossip.insecure,
               "mesh: allow unsigned gossip on a non-loopback --mesh-addr (no --mesh-secret-file)");
  app.add_option("--mesh-max-members", c.mesh.gossip.max_members,
                 "mesh: most node lives tracked; packets of new nodes beyond it are dropped")
      ->capture_default_str()
      ->check(CLI::Range(2, 65536));
  app.add_option("--mesh-max-slots-per-key", c.mesh.gossip.max_slots_per_key,
                 "mesh: most node slots in one window of a key; more are refused")
      ->capture_default_str()
      ->check(CLI::Range(2, 65536));
  add_milliseconds("--gossip-interval", &c.mesh.gossip.gossip_interval_ms,
               "mesh: anti-entropy period (digest to --gossip-fanout peers)");
  app.add_option("--gossip-fanout", c.mesh.gossip.fanout, "mesh: live peers per anti-entropy round")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  add_milliseconds("--gossip-push-interval", &c.mesh.gossip.push_interval_ms,
               "mesh: new counts are pushed to every live peer within this (0 = off)");
  add_milliseconds("--mesh-suspicion-timeout", &c.mesh.gossip.suspicion_timeout_ms,
               "mesh: silence before a node is suspect (dead after twice as long)");
  add_milliseconds("--mesh-gc-grace", &c.mesh.gossip.gc_grace_ms,
               "mesh: ended windows are deleted this long after their end");
  app.add_flag("--mesh-test-hooks", c.mesh.test_hooks)->group("");  // hidden: tests only
  // Tracing (docs/operations.md#tracing).
  app.add_option("--otlp-endpoint", c.tracing.endpoint,
                 "tracing: the collector's OTLP/HTTP base URL (http://host:4318); off without it");
  app.add_option("--otlp-traces-endpoint", c.tracing.traces_endpoint,
                 "tracing: the full OTLP/HTTP traces URL; wins over --otlp-endpoint");
  app.add_option("--trace-service-name", c.tracing.service_name,
                 "tracing: service.name of the exported spans")
      ->capture_default_str();
  app.add_option("--trace-sampler", c.tracing.sampler,
                 "tracing: always_on, always_off, traceidratio, parentbased_always_on, "
                 "parentbased_always_off or parentbased_traceidratio")
      ->capture_default_str();
  app.add_option("--trace-sampler-arg", c.tracing.sampler_arg,
                 "tracing: the ratio (0..1) of the traceidratio samplers (default 1)");
  app.add_option("--tracing-level", c.tracing.level,
                 "tracing: ERROR (door and peer calls), INFO (+ routing, batches, rules) or "
                 "DEBUG (+ a span per item)")
      ->capture_default_str();
  // TLS (docs/operations.md#tls).
  app.add_option("--tls-cert,--tls-cert-file", c.tls.cert_file,
                 "TLS: this node's certificate chain (PEM); turns TLS on for gRPC, HTTP and "
                 "peer links")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key,--tls-key-file", c.tls.key_file,
                 "TLS: this node's private key (PEM)")
      ->check(CLI::ExistingFile);
  app.add_flag("--tls-auto", c.tls.auto_certificate,
               "TLS: serve with a self-signed certificate made at start (standalone and mesh "
               "nodes; clients skip verification)");
  app.add_option("--tls-ca,--tls-ca-file", c.tls.ca_file,
                 "TLS: CA (PEM) verifying peers, and clients without --tls-client-ca")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-client-auth", c.tls.client_auth,
                 "TLS: client certificates (require-and-verify = mTLS)")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"none", "request-cert", "verify-cert", "require-any-cert", "require-and-verify"}));
  app.add_option("--tls-client-ca,--tls-client-ca-file", c.tls.client_ca_file,
                 "TLS: CA (PEM) verifying client certificates (default: --tls-ca)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-peer-cert", c.tls.peer_cert_file,
                 "TLS: certificate presented to peers (default: --tls-cert)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-peer-key", c.tls.peer_key_file,
                 "TLS: key of --tls-peer-cert (default: --tls-key)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-peer-server-name", c.tls.peer_server_name,
                 "TLS: name expected in peers' certificates instead of the host dialled");
  app.add_option("--tls-min-version", c.tls.min_version,
                 "TLS: lowest version the HTTP listener accepts (gRPC: 1.2 and 1.3)")
      ->capture_default_str()
      ->check(CLI::IsMember({"1.2", "1.3"}));
  add_duration("--tls-reload-interval", &c.tls.reload_interval,
               "TLS: how often gRPC re-reads the certificate files (SIGHUP reloads HTTP's)");
  // Persistence (docs/persistence.md).
  persist::PersistenceOptions& persistence = c.persistence;
  app.add_option("--snapshot", persistence.snapshot_path,
                 "snapshot file: loaded at start, written at graceful stop and every "
                 "--snapshot-interval");
  add_duration("--snapshot-interval", &persistence.snapshot_interval,
               "time between snapshots while running (0 = only at stop)");
  app.add_flag("--snapshot-ignore-errors", persistence.snapshot_ignore_errors,
               "start empty when the snapshot is corrupt, foreign or unreadable (logged)");
  app.add_option("--store-dir", persistence.store_dir,
                 "RocksDB directory: every change of a long-window key is written through and "
                 "read back after a restart or crash");
  add_duration("--store-min-duration", &persistence.store_min_duration,
               "keys with shorter windows are not stored");
  app.add_flag("--store-sync", persistence.store_sync,
               "fsync every store write (survives a power loss; slower)");
  app.add_flag("--admin", c.server.admin,
               "counter admin on the HTTP port: GET /v1/admin/counters, POST /v1/admin/reset");
  std::string admin_client_cns;
  app.add_option("--admin-client-cn", admin_client_cns,
                 "counter admin: common names of the client certificates that may call it, "
                 "a,b (needs verified client certificates)");
  app.add_option("--status-http-addr", c.server.status_http_address,
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
  c.cluster.peers = absl::StrSplit(peers, ',', absl::SkipWhitespace());
  // The option allows only these names (a --validate run has recorded any other).
  c.cluster.discovery = ParseDiscovery(discovery).value_or(Discovery::kStatic);
  c.cluster.on_peer_failure =
      cluster::ParsePeerFailurePolicy(on_peer_failure).value_or(cluster::PeerFailurePolicy::kError);
  c.cluster.k8s.resource = k8s_watch_mechanism == "pods" ? cluster::K8sResource::kPods
                                                         : cluster::K8sResource::kEndpointSlices;
  c.cluster.k8s.api.token_file = k8s_service_account_dir + "/token";
  c.cluster.k8s.api.ca_file = k8s_service_account_dir + "/ca.crt";
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
    entry.second(*duration);
  }
  for (const auto& [flag, source] : out.sources) {
    const CLI::Option* option = app.get_option_no_throw(flag);
    if (option == nullptr) continue;
    std::string value = absl::StrJoin(option->results(), ",");
    if (IsFlag(*option) && value.empty()) value = "true";
    if (!option->get_default_str().empty() && value == option->get_default_str()) continue;
    out.changed[flag] = IsSecretSetting(flag) && !value.empty() ? "****" : value;
  }
  c.cluster.dns.fqdns = absl::StrSplit(dns_fqdns, ',', absl::SkipWhitespace());
  c.server.admin_client_cns = absl::StrSplit(admin_client_cns, ',', absl::SkipWhitespace());
  // The kubelet's variables (client-go's in-cluster config reads the same two).
  if (auto host = env.find("KUBERNETES_SERVICE_HOST"); host != env.end()) {
    c.cluster.k8s.api.host = host->second;
  }
  if (auto port = env.find("KUBERNETES_SERVICE_PORT"); port != env.end()) {
    int api_port = 0;
    if (!absl::SimpleAtoi(port->second, &api_port) || api_port <= 0 || api_port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "KUBERNETES_SERVICE_PORT: '", port->second, "' is not a port number"));
    }
    c.cluster.k8s.api.port = static_cast<uint16_t>(api_port);
  }
  c.cluster.etcd.endpoints = absl::StrSplit(etcd_endpoints, ',', absl::SkipWhitespace());
  auto& etcd_tls = c.cluster.etcd.tls;
  etcd_tls.enabled = etcd_tls.enabled || !etcd_tls.ca_file.empty() || !etcd_tls.cert_file.empty() ||
                     !etcd_tls.key_file.empty() || etcd_tls.skip_verify;
  c.mesh.gossip.seeds = absl::StrSplit(mesh_seeds, ',', absl::SkipWhitespace());
  std::vector<std::string> ignored;
  // ResolveMode names each setting with its source itself, so its errors are not attributed.
  if (auto status = ResolveMode(c, settings->sources, ignored); !status.ok()) {
    if (!out.validate) return status;
    out.errors.emplace_back(status.message());
  }
  for (std::string& warning : ignored) out.warnings.push_back(std::move(warning));
  c.tracing.instance_id = c.server.instance_id;
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

std::string_view DiscoveryName(Discovery discovery) {
  switch (discovery) {
    case Discovery::kStatic:
      return "static";
    case Discovery::kDns:
      return "dns";
    case Discovery::kEtcd:
      return "etcd";
    case Discovery::kK8s:
      return "k8s";
    case Discovery::kMesh:
      return "mesh";
  }
  return "static";
}

std::optional<Discovery> ParseDiscovery(std::string_view name) {
  for (Discovery d : {Discovery::kStatic, Discovery::kDns, Discovery::kEtcd, Discovery::kK8s,
                      Discovery::kMesh}) {
    if (DiscoveryName(d) == name) return d;
  }
  return std::nullopt;
}

std::string RingHashName(const Config& c) {
  if (!c.cluster.peer_picker_hash.empty()) return c.cluster.peer_picker_hash;
  return c.cluster.peer_picker.empty() ? "fnv1" : "fnv1a";
}

int64_t CacheMaxBytes(const Config& c) { return CacheMaxBytes(c.store); }

absl::Status Validate(const Config& c) {
  if (auto s = ValidateServerSettings(c.server); !s.ok()) return s;
  if (auto s = ValidateStoreSettings(c.store); !s.ok()) return s;
  if (auto s = ValidateClusterSettings(c.cluster); !s.ok()) return s;
  if (auto s = ValidateTlsSettings(c.tls); !s.ok()) return s;
  if (auto s = ValidateAdminSettings(c.server, c.tls); !s.ok()) return s;
  if (auto s = trace::ValidateTracingOptions(c.tracing); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tracing (--otlp-endpoint, --trace-sampler, --tracing-level): ",
                     std::string(s.message())));
  }
  if (c.tls.auto_certificate && c.clustered()) {
    return absl::InvalidArgumentError(
        "--tls-auto: a cluster's peers cannot verify each other's self-signed certificates; "
        "give --tls-cert, --tls-key and --tls-ca (one CA for the cluster)");
  }
  if (c.gossip()) {
    if (auto s = ValidateMeshSettings(c.mesh); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sluice::server
