// Config: every setting of a Sluice node in one typed struct, with its default. It is filled
// and validated in one place (ParseCommandLine) and handed to constructors; nothing else reads
// flags or the environment.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sluice::server {

struct Config {
  // gRPC listen address for every gRPC service. Default: 127.0.0.1:1051.
  std::string grpc_address = "127.0.0.1:1051";
  // HTTP listen address (gateway, /metrics). Default: 127.0.0.1:1050.
  std::string http_address = "127.0.0.1:1050";
  // Address peers use to reach this node's gRPC; never 0.0.0.0. Default: the gRPC address.
  std::string advertise_address;
  // Store capacity in tracked keys. Default: 50,000 (Gubernator's).
  int64_t cache_size = 50'000;
  // Bytes the store's entries may take (core::Store::EntryBytes). Default: 0 = cache_size ×
  // kCacheBytesPerKey (12.8 MB at the default cache size: cache_size keys of up to 120 bytes
  // fit), at least one --max-key-bytes key per store shard.
  int64_t cache_max_bytes = 0;
  // Longest key (namespace + "_" + unique_key, or an Envoy counter key) accepted. Default: 4096.
  int64_t max_key_bytes = 4096;
  // created_at further than this from the server's clock is moved within it; 0: always use
  // the server's clock. Default: 5 s.
  absl::Duration max_clock_skew = absl::Seconds(5);
  // HTTP I/O threads. Default: 0 = number of CPUs.
  int http_threads = 0;
  // Envoy rules: a YAML file or a directory of them. Default: none (Envoy door answers OK).
  std::string rules_path;
  // Watch the rules path with inotify and reload on change (SIGHUP always reloads).
  // Default: true.
  bool rules_watch = true;
  // Envoy door: global shadow switch (OVER_LIMIT overall answers become OK). Default: false.
  bool envoy_shadow_mode = false;
  // Envoy door: add RateLimit-Limit/-Remaining/-Reset response headers. Default: false.
  bool envoy_rate_limit_headers = false;
  // Seconds to keep serving after SIGTERM while LiveCheck already reports shutting down, so load
  // balancers stop sending first (Gubernator's GRACEFUL_TERMINATION_DELAY). Default: 0.
  int shutdown_delay_seconds = 0;
  // Seconds in-flight calls may take to finish once the node stops accepting. Default: 10.
  int drain_timeout_seconds = 10;
  // gRPC server limits (docs/operations.md "Limits"): concurrent streams one connection may
  // open (SETTINGS_MAX_CONCURRENT_STREAMS), and the resource quota bounding gRPC's buffers and
  // threads. Defaults: 100 streams, 256 MiB, 64 threads.
  int grpc_max_concurrent_streams = 100;
  int64_t grpc_max_memory_mb = 256;
  int grpc_max_threads = 64;
  // Log level (trace, debug, info, warn, error) and format (text, json). Default: info, text.
  std::string log_level = "info";
  std::string log_format = "text";
  // This node's name in its log lines (a JSON "instance" field, "[id]" in text) and in the
  // ready line (Gubernator's GUBER_INSTANCE_ID). Default: empty = not shown.
  std::string instance_id;
  // Static peers (cluster) or seeds (mesh), host:port each. Default: none.
  std::vector<std::string> peers;

  // ---- Cluster (docs/cluster.md) ----
  // How cluster peers are found: static (--peers), dns (--dns-fqdn), etcd (--etcd-endpoints).
  // A node is standalone when discovery is static and --peers is empty. Default: static.
  std::string discovery = "static";
  // This node's data center; only peers of the same one share keys. Default: "".
  std::string data_center;
  // DNS discovery: names whose A/AAAA records are the peers (port = the advertise port).
  // Default: none.
  std::vector<std::string> dns_fqdns;
  // DNS discovery: time between resolutions. Default: 5 s.
  absl::Duration dns_interval = absl::Seconds(5);
  // etcd discovery: client endpoints. Default: localhost:2379.
  std::vector<std::string> etcd_endpoints = {"localhost:2379"};
  // etcd discovery: key prefix of registrations. Default: /gubernator-peers.
  std::string etcd_key_prefix = "/gubernator-peers";
  // etcd discovery: lease TTL (keep-alive every third), prefix poll period, request timeout.
  // Default: 30 s, 1 s, 5 s.
  absl::Duration etcd_lease_ttl = absl::Seconds(30);
  absl::Duration etcd_poll_interval = absl::Seconds(1);
  absl::Duration etcd_timeout = absl::Seconds(5);
  // Ring (docs/cluster.md#ownership). The peer picker: "" or "replicated-hash", the only one
  // (GUBER_PEER_PICKER). Default: "".
  std::string peer_picker;
  // Ring hash, fnv1 or fnv1a (GUBER_PEER_PICKER_HASH). Default: "" = fnv1, or fnv1a when
  // peer_picker is set (Gubernator's rule). Every node of a cluster must use the same one.
  std::string peer_picker_hash;
  // Ring points per peer (GUBER_REPLICATED_HASH_REPLICAS). Default: 512.
  int replicated_hash_replicas = 512;
  // k8s discovery (docs/cluster.md#kubernetes): the namespace and what is watched there —
  // endpointslices of a Service (by name, or by label selector), or pods by label selector.
  // Default: default, none, none, endpointslices.
  std::string k8s_namespace = "default";
  std::string k8s_service_name;
  std::string k8s_selector;
  std::string k8s_watch_mechanism = "endpointslices";
  // k8s discovery: this pod's IP (the Downward API's status.podIP) and every peer's gRPC port;
  // the node advertises <pod ip>:<pod port>. Default: none (required), 0 = the gRPC listen port.
  std::string k8s_pod_ip;
  int k8s_pod_port = 0;
  // k8s discovery: where the service account's token and ca.crt are mounted.
  // Default: /var/run/secrets/kubernetes.io/serviceaccount.
  std::string k8s_service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  // k8s discovery: the API server, from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT
  // (set by the kubelet in every pod; not a setting). Default: none = not in a cluster.
  std::string k8s_api_host;
  int k8s_api_port = 0;
  // Forwarding batches: wait after the first item, items per batch (1..1000), RPC deadline.
  // Default: 500 us, 1000, 500 ms.
  absl::Duration batch_wait = absl::Microseconds(500);
  int batch_limit = 1000;
  absl::Duration batch_timeout = absl::Milliseconds(500);
  // Forward every item alone. Default: false.
  bool disable_batching = false;
  // GLOBAL: sync period, keys per sync call (1..1000), deadline of sync calls. Default: 100 ms,
  // 1000, 500 ms.
  absl::Duration global_sync_wait = absl::Milliseconds(100);
  int global_batch_limit = 1000;
  absl::Duration global_timeout = absl::Milliseconds(500);
  // Treat every request as GLOBAL. Default: false.
  bool force_global = false;
  // Answer from the local limiter when a key's owner cannot be reached (instead of an item
  // error). Default: false.
  bool fail_open = false;
  // How long a failed peer call keeps HealthCheck unhealthy (Gubernator: 5 min). Default: 30 s.
  absl::Duration peer_error_window = absl::Seconds(30);
  // The settings file the other settings were read from (--settings, SLUICE_SETTINGS).
  // Default: none.
  std::string settings_file;

  // ---- Mesh (docs/mesh.md) ----
  // Mesh mode: every node decides locally and counters converge by UDP gossip; --peers are the
  // seeds' mesh addresses. (--discovery mesh uses the same gossip for cluster membership only.)
  // Default: false.
  bool mesh = false;
  // This node's mesh identity; keep it across restarts. Default: empty = 16 random hex digits.
  std::string node_id;
  // Seed peers' mesh addresses (host:port) for mesh mode and --discovery mesh (Hivemind's
  // mesh.bootstrap_peers). After parsing: the seeds the gossip uses (--peers when only those are
  // given), empty when the mesh is off. Default: none.
  std::vector<std::string> mesh_seeds;
  // Gossip UDP bind address. Default: 0.0.0.0:7946.
  std::string mesh_address = "0.0.0.0:7946";
  // The mesh address peers send to; never 0.0.0.0. Default: the bind address, a wildcard host
  // replaced by the host of the gRPC advertise address.
  std::string mesh_advertise_address;
  // Mesh packets carrying another cluster id are dropped. Default: sluice.
  std::string mesh_cluster_id = "sluice";
  // File holding the shared key (at least 16 bytes) that signs every mesh packet with
  // HMAC-SHA256. Default: none = packets unsigned.
  std::string mesh_secret_file;
  // Anti-entropy period: a digest to gossip_fanout random live peers. Default: 100 ms.
  absl::Duration gossip_interval = absl::Milliseconds(100);
  // Live peers contacted per anti-entropy round. Default: 3.
  int gossip_fanout = 3;
  // This node's new counts are pushed to every live peer within this; 0 = anti-entropy only.
  // Default: 10 ms.
  absl::Duration gossip_push_interval = absl::Milliseconds(10);
  // A node silent this long is suspect, twice this long dead. Default: 3 s.
  absl::Duration mesh_suspicion_timeout = absl::Seconds(3);
  // An ended window is deleted everywhere this long after its end. Default: 2 s.
  absl::Duration mesh_gc_grace = absl::Seconds(2);
  // Hidden test hook: POST /v1/mesh/deny drops gossip to and from chosen nodes. Default: false.
  bool mesh_test_hooks = false;

  // ---- TLS (docs/operations.md#tls) ----
  // This node's certificate chain and private key (PEM files). Giving them turns TLS on for the
  // gRPC and HTTP listeners and for the links to cluster peers. Default: none = plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Serve TLS with a self-signed certificate made at start (EC P-256, valid one year, for
  // localhost, 127.0.0.1, the host name and the advertise host), as Gubernator's GUBER_TLS_AUTO.
  // Clients must skip verification or pin it; standalone and mesh nodes only (cluster peers
  // could not verify each other). Default: false.
  bool tls_auto = false;
  // CA (PEM) that verifies peers' certificates, and clients' when no --tls-client-ca is given.
  // Default: none = the system's roots for peers.
  std::string tls_ca_file;
  // Client certificates: none, request-cert, verify-cert, require-any-cert, require-and-verify
  // (mTLS). Default: none.
  std::string tls_client_auth = "none";
  // CA (PEM) that verifies client certificates. Default: --tls-ca.
  std::string tls_client_ca_file;
  // Certificate and key this node presents to its peers. Default: --tls-cert and --tls-key.
  std::string tls_peer_cert_file;
  std::string tls_peer_key_file;
  // Name expected in peers' certificates instead of the host dialled. Default: none.
  std::string tls_peer_server_name;
  // Lowest TLS version the HTTP listener accepts: 1.2 or 1.3 (gRPC accepts 1.2 and 1.3).
  // Default: 1.2.
  std::string tls_min_version = "1.2";
  // How often the gRPC listener re-reads the certificate files (SIGHUP reloads the HTTP
  // listener's at once). Default: 10 s.
  absl::Duration tls_reload_interval = absl::Seconds(10);
  // Plaintext HTTP listener serving only /v1/HealthCheck and /v1/LiveCheck, for probes that
  // cannot present a client certificate when mTLS is on. Default: none.
  std::string status_http_address;
};

// Store bytes per key that the default --cache-max-bytes allows.
inline constexpr int64_t kCacheBytesPerKey = 256;
// Lock shards of the node's store.
inline constexpr int64_t kStoreShards = 64;

// The store's byte budget: --cache-max-bytes, or its default for --cache-size (never less than
// one longest key per shard).
int64_t CacheMaxBytes(const Config& config);

// The ring hash the settings select: --peer-picker-hash, else fnv1a with --peer-picker, else
// fnv1.
std::string RingHashName(const Config& config);

// What the command line asked for: run with a config, or print text (help, version) and exit.
struct CommandLine {
  Config config;
  bool exit_now = false;     // -h or -V: print `output` and exit 0
  std::string output;
  // --validate (command line only): check the settings and rules, report, exit; bind nothing.
  // Parsing then goes on past bad values and collects them in `errors`, one message each.
  bool validate = false;
  std::vector<std::string> errors;
  // Where each setting not at its default came from, by flag: "--addr" → "flag --addr",
  // "variable SLUICE_ADDR", "file a.yaml:3 (server.grpc_address)".
  std::map<std::string, std::string> sources;
  // The effective value of each setting that differs from its default, by flag, secrets masked:
  // "--cache-size" → "1234", "--etcd-password" → "****". Lists are comma-joined.
  std::map<std::string, std::string> changed;
  // Unknown SLUICE_* or unsupported GUBER_* names and the like; to be logged (LogStartupSettings).
  std::vector<std::string> warnings;
};

// Parses argv, the environment and the settings file (flags > environment > settings file >
// defaults; docs/configuration.md). A bad value is an error whose message names the setting,
// its source and the allowed values.
absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv);
// The same with the environment given (tests).
absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv,
                                             const std::map<std::string, std::string>& env);

// Logs the warnings, then one line per setting in `changed` with its source:
//   setting --cache-size=1234 (variable SLUICE_CACHE_SIZE)
// Call once logging is configured, so every line has the configured format.
void LogStartupSettings(const CommandLine& command_line);

// Whether a setting's value is a secret, masked wherever settings are shown (passwords, tokens;
// not the paths of files holding secrets).
bool IsSecretSetting(const std::string& flag);

// Checks the values that flags cannot check on their own; the message names the setting.
absl::Status Validate(const Config& config);

// The flag that makes `sluice` check its configuration and exit (CommandLine::validate).
inline constexpr std::string_view kValidateFlag = "--validate";

// The version printed by -V.
inline constexpr char kVersion[] = "0.1.0";

}  // namespace sluice::server
