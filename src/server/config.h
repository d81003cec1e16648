// Config: every setting of a Sluice node in one typed struct, with its default, one section per
// component; a section holds the component's own options struct where the component has one
// (cluster::PeerClientOptions, mesh::MeshOptions, ...), so a setting reaches its component
// without being copied field by field. It is filled and validated in one place
// (ParseCommandLine) and handed to the node builders (node_builder.h); nothing else reads flags
// or the environment.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cluster/dns_membership.h"
#include "cluster/etcd_membership.h"
#include "cluster/global_sync.h"
#include "cluster/peer_client_options.h"
#include "cluster/peer_failure_policy.h"
#include "cluster/k8s_membership.h"
#include "mesh/mesh_options.h"
#include "trace/tracing.h"
#include "persist/persistence.h"

namespace sluice::server {

// How cluster peers are found (docs/cluster.md#discovery).
enum class Discovery {
  kStatic,  // --peers
  kDns,     // --dns-fqdn
  kEtcd,    // --etcd-endpoints
  kK8s,     // the Kubernetes API, from inside a pod
  kMesh,    // gossip (--peers or --mesh-seeds are mesh seeds)
};
// "static", "dns", "etcd", "k8s", "mesh": the --discovery values.
std::string_view DiscoveryName(Discovery discovery);
// The Discovery a --discovery value names, if any.
std::optional<Discovery> ParseDiscovery(std::string_view name);

// Listeners and the process (docs/operations.md).
struct ServerSettings {
  // gRPC listen address for every gRPC service; port 0 = a free port. Default: 127.0.0.1:1051.
  std::string grpc_address = "127.0.0.1:1051";
  // HTTP listen address (gateway, /metrics). Default: 127.0.0.1:1050.
  std::string http_address = "127.0.0.1:1050";
  // Plaintext HTTP listener serving only /v1/HealthCheck and /v1/LiveCheck, for probes that
  // cannot present a client certificate when mTLS is on. Default: none.
  std::string status_http_address;
  // gRPC server limits (docs/operations.md "Limits"): concurrent streams one connection may
  // open (SETTINGS_MAX_CONCURRENT_STREAMS), and the resource quota bounding gRPC's buffers and
  // threads. Defaults: 100 streams, 256 MiB, 64 threads.
  int grpc_max_concurrent_streams = 100;
  int64_t grpc_max_memory_mb = 256;
  int grpc_max_threads = 64;
  // Address peers use to reach this node's gRPC; never 0.0.0.0. Default: the gRPC address.
  std::string advertise_address;
  // HTTP I/O threads. Default: 0 = number of CPUs.
  int http_threads = 0;
  // Seconds to keep serving after SIGTERM while LiveCheck already reports shutting down, so load
  // balancers stop sending first (Gubernator's GRACEFUL_TERMINATION_DELAY). Default: 0.
  int shutdown_delay_seconds = 0;
  // Seconds in-flight calls may take to finish once the node stops accepting. Default: 10.
  int drain_timeout_seconds = 10;
  // This node's name in its log lines (a JSON "instance" field, "[id]" in text) and in the
  // ready line (Gubernator's GUBER_INSTANCE_ID). Default: empty = not shown.
  std::string instance_id;
  // The counter admin on the HTTP listener: GET /v1/admin/counters, POST /v1/admin/reset
  // (docs/api.md "Counter admin"). Default: false (the routes do not exist).
  bool admin = false;
  // Common names of the client certificates allowed to call the counter admin; needs verified
  // client certificates (--tls-client-auth verify-cert or require-and-verify), which then
  // require it. Default: none.
  std::vector<std::string> admin_client_cns;
  // The settings file the other settings were read from (--settings, SLUICE_SETTINGS).
  // Default: none.
  std::string settings_file;
};

// The store and admission of requests (core::Store, core::Admission).
struct StoreSettings {
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
};

// The Envoy door's rules and answers (src/rules, api/envoy_handler.h).
struct RulesSettings {
  // A YAML file or a directory of them. Default: none (Envoy door answers OK).
  std::string path;
  // Watch the path with inotify and reload on change (SIGHUP always reloads). Default: true.
  bool watch = true;
  // Global shadow switch (OVER_LIMIT overall answers become OK). Default: false.
  bool shadow_mode = false;
  // Add RateLimit-Limit/-Remaining/-Reset response headers. Default: false.
  bool rate_limit_headers = false;
};

// Logging (obs/logging.h).
struct LogSettings {
  // trace, debug, info, warn or error. Default: info.
  std::string level = "info";
  // text or json. Default: text.
  std::string format = "text";
};

// A consistent-hash cluster (docs/cluster.md): discovery, ring, forwarding, GLOBAL. The
// component option structs are held as the components define them; the fields only a running
// node knows (this node's advertise address) are filled by the cluster builder (node_builder.h).
struct ClusterSettings {
  // How peers are found. A node is standalone when discovery is static and `peers` is empty.
  // Default: static.
  Discovery discovery = Discovery::kStatic;
  // Static peers (cluster) or seeds (mesh), host:port each. Default: none.
  std::vector<std::string> peers;
  // This node's data center; only peers of the same one share keys. Default: "".
  std::string data_center;
  // DNS discovery (fqdns, interval); advertise_address is filled at start.
  cluster::DnsMembershipOptions dns;
  // etcd discovery (endpoints, key prefix, lease TTL, poll period, timeout); `self` is filled
  // at start.
  cluster::EtcdMembershipOptions etcd;
  // k8s discovery (docs/cluster.md#kubernetes). api.host and api.port come from
  // KUBERNETES_SERVICE_HOST and _PORT (set by the kubelet; not settings); pod_port 0 = the gRPC
  // listen port, filled at start.
  cluster::K8sMembershipOptions k8s;
  // Ring (docs/cluster.md#ownership). The peer picker: "" or "replicated-hash", the only one
  // (GUBER_PEER_PICKER). Default: "".
  std::string peer_picker;
  // Ring hash, fnv1 or fnv1a (GUBER_PEER_PICKER_HASH). Default: "" = fnv1, or fnv1a when
  // peer_picker is set (Gubernator's rule). Every node of a cluster must use the same one.
  std::string peer_picker_hash;
  // Ring points per peer (GUBER_REPLICATED_HASH_REPLICAS). Default: 512.
  int replicated_hash_replicas = 512;
  // Forwarding batches and the deadline of GLOBAL calls.
  cluster::PeerClientOptions forwarding;
  // GLOBAL: sync period and keys per sync call.
  cluster::GlobalSyncOptions global;
  // Treat every request as GLOBAL. Default: false.
  bool force_global = false;
  // Answer from the local limiter when a key's owner cannot be reached (instead of an item
  // error). Default: false.
  bool fail_open = false;
  // What to answer for a key whose owner cannot be reached: error, allow, deny or local
  // (cluster/peer_failure_policy.h; docs/cluster.md "Failure policy"). Not with fail_open.
  // Default: error (an item error, as Gubernator).
  cluster::PeerFailurePolicy on_peer_failure = cluster::PeerFailurePolicy::kError;
  // How long a failed peer call keeps HealthCheck unhealthy (Gubernator: 5 min). Default: 30 s.
  absl::Duration peer_error_window = absl::Seconds(30);
};

// Mesh mode and --discovery mesh (docs/mesh.md).
struct MeshSettings {
  // Mesh mode: every node decides locally and counters converge by UDP gossip; --peers are the
  // seeds' mesh addresses. (--discovery mesh uses the same gossip for cluster membership only.)
  // Default: false.
  bool enabled = false;
  // The gossip's options as set: node id, bind and advertise addresses, seeds, cluster id,
  // periods. After parsing, `seeds` are the seeds the gossip uses (--peers when only those are
  // given), empty when the mesh is off. The mesh builder fills the advertised gRPC and HTTP
  // addresses, the secret, the capacity and a derived advertise address.
  mesh::MeshOptions gossip;
  // File holding the shared key (at least 16 bytes) that signs every mesh packet with
  // HMAC-SHA256. Default: none = packets unsigned.
  std::string secret_file;
  // Hidden test hook: POST /v1/mesh/deny drops gossip to and from chosen nodes. Default: false.
  bool test_hooks = false;
};

// TLS (docs/operations.md#tls).
struct TlsSettings {
  // This node's certificate chain and private key (PEM files). Giving them turns TLS on for the
  // gRPC and HTTP listeners and for the links to cluster peers. Default: none = plaintext.
  std::string cert_file;
  std::string key_file;
  // Serve TLS with a self-signed certificate made at start (EC P-256, valid one year, for
  // localhost, 127.0.0.1, the host name and the advertise host), as Gubernator's GUBER_TLS_AUTO.
  // Clients must skip verification or pin it; standalone and mesh nodes only (cluster peers
  // could not verify each other). Default: false.
  bool auto_certificate = false;
  // CA (PEM) that verifies peers' certificates, and clients' when no --tls-client-ca is given.
  // Default: none = the system's roots for peers.
  std::string ca_file;
  // Client certificates: none, request-cert, verify-cert, require-any-cert, require-and-verify
  // (mTLS). Default: none.
  std::string client_auth = "none";
  // CA (PEM) that verifies client certificates. Default: --tls-ca.
  std::string client_ca_file;
  // Certificate and key this node presents to its peers. Default: --tls-cert and --tls-key.
  std::string peer_cert_file;
  std::string peer_key_file;
  // Name expected in peers' certificates instead of the host dialled. Default: none.
  std::string peer_server_name;
  // Lowest TLS version the HTTP listener accepts: 1.2 or 1.3 (gRPC accepts 1.2 and 1.3).
  // Default: 1.2.
  std::string min_version = "1.2";
  // How often the gRPC listener re-reads the certificate files (SIGHUP reloads the HTTP
  // listener's at once). Default: 10 s.
  absl::Duration reload_interval = absl::Seconds(10);

  // Whether TLS is on (a certificate is given or made).
  bool enabled() const { return !cert_file.empty() || auto_certificate; }
};

// Every setting of a node, one section per component.
struct Config {
  ServerSettings server;
  StoreSettings store;
  RulesSettings rules;
  LogSettings log;
  ClusterSettings cluster;
  MeshSettings mesh;
  TlsSettings tls;
  // OpenTelemetry tracing (docs/operations.md#tracing); instance_id is copied from
  // server.instance_id. Default: off (no endpoint).
  trace::TracingOptions tracing;
  // Snapshot file and write-through store (docs/persistence.md). Default: neither.
  persist::PersistenceOptions persistence;

  // Whether this node gossips: mesh mode, or --discovery mesh.
  bool gossip() const { return mesh.enabled || cluster.discovery == Discovery::kMesh; }
  // Whether this node is a member of a consistent-hash cluster (not standalone, not mesh mode).
  bool clustered() const {
    return !mesh.enabled && (cluster.discovery != Discovery::kStatic || !cluster.peers.empty());
  }
};

// Where a pod's service account token and ca.crt are mounted (--k8s-service-account-dir).
inline constexpr std::string_view kK8sServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// Store bytes per key that the default --cache-max-bytes allows.
inline constexpr int64_t kCacheBytesPerKey = 256;
// Lock shards of the node's store.
inline constexpr int64_t kStoreShards = 64;

// The store's byte budget: --cache-max-bytes, or its default for --cache-size (never less than
// one longest key per shard).
int64_t CacheMaxBytes(const StoreSettings& store);
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

// Checks the values that flags cannot check on their own, section by section (each section's
// validator is in config_validation.h); the message names the setting. Contradictions between
// modes are ResolveMode's (mode_settings.h).
absl::Status Validate(const Config& config);

// The flag that makes `sluice` check its configuration and exit (CommandLine::validate).
inline constexpr std::string_view kValidateFlag = "--validate";

// The version printed by -V.
inline constexpr char kVersion[] = "0.1.0";

}  // namespace sluice::server
