#include "server/config_validation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/host_port.h"
#include "core/store.h"

namespace sluice::server {
namespace {

// `address` as `setting` must give it: listeners may take port 0 (the kernel picks), addresses
// others dial may not.
absl::Status CheckAddress(std::string_view setting, const std::string& address,
                          common::PortZero port_zero) {
  auto hp = common::SplitHostPort(address, port_zero);
  if (!hp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(setting), ": ", std::string(hp.status().message())));
  }
  return absl::OkStatus();
}

absl::Status CheckListen(std::string_view setting, const std::string& address) {
  return CheckAddress(setting, address, common::PortZero::kAllowed);
}

absl::Status CheckDialed(std::string_view setting, const std::string& address) {
  return CheckAddress(setting, address, common::PortZero::kRefused);
}

// A dialled address that is also not a wildcard (peers cannot send to 0.0.0.0).
absl::Status CheckAdvertised(std::string_view setting, const std::string& address) {
  if (auto s = CheckDialed(setting, address); !s.ok()) return s;
  if (common::IsWildcardHost(common::SplitHostPort(address)->host)) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(setting), ": '", address,
                     "' cannot be advertised; give the address peers reach this node at"));
  }
  return absl::OkStatus();
}

// The smallest byte budget that still holds one key of the longest length in every shard.
int64_t MinCacheBytes(const StoreSettings& store) {
  return kStoreShards * static_cast<int64_t>(
                            core::Store::EntryBytes(static_cast<size_t>(store.max_key_bytes)));
}

absl::Status ValidateK8s(const cluster::K8sMembershipOptions& k8s) {
  if (k8s.api.host.empty() || k8s.api.port == 0) {
    return absl::FailedPreconditionError(
        "--discovery k8s: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, so "
        "this is not running in a Kubernetes pod; k8s discovery reads the cluster's API from "
        "inside a pod (outside one use --discovery static, dns or etcd)");
  }
  if (k8s.pod_ip.empty()) {
    return absl::InvalidArgumentError(
        "--k8s-pod-ip (GUBER_K8S_POD_IP): required with --discovery k8s; set it from the "
        "Downward API (fieldRef status.podIP)");
  }
  const bool pods = k8s.resource == cluster::K8sResource::kPods;
  if (pods && k8s.selector.empty()) {
    return absl::InvalidArgumentError(
        "--k8s-selector (GUBER_K8S_SELECTOR): required with --k8s-watch-mechanism pods");
  }
  if (!pods && k8s.service_name.empty() && k8s.selector.empty()) {
    return absl::InvalidArgumentError(
        "--k8s-service-name (GUBER_K8S_SERVICE_NAME) or --k8s-selector (GUBER_K8S_SELECTOR): "
        "one is required with --discovery k8s watching endpointslices");
  }
  return absl::OkStatus();
}

}  // namespace

int64_t CacheMaxBytes(const StoreSettings& store) {
  if (store.cache_max_bytes != 0) return store.cache_max_bytes;
  return std::max(store.cache_size * kCacheBytesPerKey, MinCacheBytes(store));
}

absl::Status ValidateServerSettings(const ServerSettings& server) {
  if (auto s = CheckListen("--addr", server.grpc_address); !s.ok()) return s;
  if (auto s = CheckListen("--http-addr", server.http_address); !s.ok()) return s;
  if (!server.status_http_address.empty()) {
    if (auto s = CheckListen("--status-http-addr", server.status_http_address); !s.ok()) {
      return s;
    }
  }
  if (server.advertise_address.empty()) return absl::OkStatus();  // derived from the bound one
  return CheckAdvertised("--advertise-addr", server.advertise_address);
}

absl::Status ValidateStoreSettings(const StoreSettings& store) {
  // Every store shard must hold at least one key of the longest length accepted.
  const int64_t min_bytes = MinCacheBytes(store);
  if (store.cache_max_bytes != 0 && store.cache_max_bytes < min_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--cache-max-bytes: ", store.cache_max_bytes, " is too small for --max-key-bytes ",
        store.max_key_bytes, "; give at least ", min_bytes, " (", kStoreShards,
        " store shards, each holding one key of the longest length)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateClusterSettings(const ClusterSettings& cluster) {
  switch (cluster.discovery) {
    case Discovery::kDns:
      if (cluster.dns.fqdns.empty()) {
        return absl::InvalidArgumentError("--dns-fqdn: required with --discovery dns");
      }
      break;
    case Discovery::kEtcd:
      if (cluster.etcd.endpoints.empty()) {
        return absl::InvalidArgumentError("--etcd-endpoints: required with --discovery etcd");
      }
      break;
    case Discovery::kK8s:
      if (auto s = ValidateK8s(cluster.k8s); !s.ok()) return s;
      break;
    case Discovery::kStatic:
    case Discovery::kMesh:
      break;
  }
  const cluster::PeerClientOptions& forwarding = cluster.forwarding;
  if (forwarding.batch_timeout <= absl::ZeroDuration() ||
      forwarding.global_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--batch-timeout and --global-timeout must be > 0");
  }
  if (cluster.fail_open && cluster.on_peer_failure != cluster::PeerFailurePolicy::kError) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--on-peer-failure ", std::string(cluster::PeerFailurePolicyName(cluster.on_peer_failure)),
        " and --fail-open contradict each other: give one (--fail-open is --on-peer-failure "
        "local with the whole limit on every node)"));
  }
  for (const auto& peer : cluster.peers) {
    if (auto s = CheckDialed("--peers", peer); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateMeshSettings(const MeshSettings& mesh) {
  const mesh::MeshOptions& gossip = mesh.gossip;
  if (auto s = CheckDialed("--mesh-addr", gossip.bind_address); !s.ok()) return s;
  if (!gossip.advertise_address.empty()) {
    if (auto s = CheckAdvertised("--mesh-advertise-addr", gossip.advertise_address); !s.ok()) {
      return s;
    }
  }
  if (gossip.gossip_interval_ms < 10 ||
      gossip.suspicion_timeout_ms < 2 * gossip.gossip_interval_ms ||
      gossip.push_interval_ms > gossip.gossip_interval_ms) {
    return absl::InvalidArgumentError(
        "--gossip-interval must be >= 10ms, --mesh-suspicion-timeout at least two gossip "
        "intervals and --gossip-push-interval at most one");
  }
  for (const auto& seed : gossip.seeds) {
    if (auto s = CheckDialed("--mesh-seeds", seed); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateTlsSettings(const TlsSettings& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key: give both or neither");
  }
  if (tls.peer_cert_file.empty() != tls.peer_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-peer-cert and --tls-peer-key: give both or neither");
  }
  if (tls.auto_certificate && !tls.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-auto: give either --tls-auto or --tls-cert and --tls-key, not both");
  }
  if (!tls.enabled() && (tls.client_auth != "none" || !tls.ca_file.empty() ||
                         !tls.client_ca_file.empty() || !tls.peer_cert_file.empty())) {
    return absl::InvalidArgumentError(
        "--tls-ca, --tls-client-auth, --tls-client-ca and --tls-peer-cert need --tls-cert and "
        "--tls-key (TLS is on only with a certificate)");
  }
  if ((tls.client_auth == "verify-cert" || tls.client_auth == "require-and-verify") &&
      tls.client_ca_file.empty() && tls.ca_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-client-auth: '", tls.client_auth,
        "' verifies client certificates but no CA is given (--tls-client-ca or --tls-ca)"));
  }
  if (!tls.cert_file.empty() && tls.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--tls-reload-interval: must be at least 1s");
  }
  return absl::OkStatus();
}

absl::Status ValidateAdminSettings(const ServerSettings& server, const TlsSettings& tls) {
  const bool verified = tls.enabled() && (tls.client_auth == "verify-cert" ||
                                          tls.client_auth == "require-and-verify");
  if (!server.admin_client_cns.empty()) {
    if (!server.admin) return absl::InvalidArgumentError("--admin-client-cn: needs --admin");
    if (!verified) {
      return absl::InvalidArgumentError(
          "--admin-client-cn: needs verified client certificates (--tls-cert, --tls-key, "
          "--tls-client-ca and --tls-client-auth verify-cert or require-and-verify); without "
          "them no caller's name can be trusted");
    }
  } else if (server.admin && verified) {
    return absl::InvalidArgumentError(
        "--admin with verified client certificates: give --admin-client-cn, the common names "
        "of the certificates that may read and reset counters");
  }
  return absl::OkStatus();
}

}  // namespace sluice::server
