// EtcdClient: the few etcd v3 calls peer discovery needs, over etcd's JSON gRPC gateway on HTTP
// (POST /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/lease/grant, /v3/lease/keepalive,
// /v3/lease/revoke; keys and values base64, int64 as strings). libcurl does the HTTP; protobuf's
// JSON parser reads the answers. Each call blocks its caller for at most `timeout` per endpoint;
// endpoints are tried in order until one answers, and the one that answered is tried first next.
//
// TLS (Gubernator's GUBER_ETCD_TLS_*): https endpoints, the server verified against a CA file
// (or not, with skip_verify), an optional client certificate for etcd's --client-cert-auth.
// Auth (GUBER_ETCD_USER/PASSWORD): POST /v3/auth/authenticate gives a token sent as the
// Authorization header of every call; a token etcd no longer accepts (expired, or etcd
// restarted) is renewed once per call. A wrong password or a CA that does not verify etcd's
// certificate is an error naming the setting (`--etcd-password`, `--etcd-tls-ca`).
//
// Thread safety: every method may be called from any thread; calls are serialized (one
// connection).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sluice::cluster {

struct EtcdKeyValue {
  std::string key;
  std::string value;
  int64_t lease = 0;
};

// How to reach etcd. Defaults: plaintext, no auth.
struct EtcdTlsOptions {
  // Speak https to every endpoint given without a scheme (GUBER_ETCD_TLS_ENABLE, or any other
  // GUBER_ETCD_TLS_* setting). Default: false.
  bool enabled = false;
  // PEM CA bundle that signs etcd's certificate; "" = the system's. Default: "".
  std::string ca_file;
  // Client certificate and key (PEM) for etcd's --client-cert-auth; both or neither. Default: "".
  std::string cert_file;
  std::string key_file;
  // Accept any server certificate (tests, self-signed etcd). Default: false.
  bool skip_verify = false;
};

struct EtcdClientOptions {
  // "host:port", "http://host:port" or "https://host:port"; at least one.
  std::vector<std::string> endpoints;
  // Per request and endpoint. Default: 5 s.
  absl::Duration timeout = absl::Seconds(5);
  EtcdTlsOptions tls;
  // etcd user and password; "" = no auth. Default: "".
  std::string user;
  std::string password;
};

class EtcdClient {
 public:
  explicit EtcdClient(EtcdClientOptions options);
  // Plaintext, no auth. `endpoints`: "host:port" or "http://host:port", at least one.
  EtcdClient(std::vector<std::string> endpoints, absl::Duration timeout);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // A new lease of `ttl_seconds`; returns its ID.
  absl::StatusOr<int64_t> GrantLease(int64_t ttl_seconds);
  // Refreshes a lease; returns the TTL it now has. NotFound when the lease no longer exists.
  absl::StatusOr<int64_t> KeepAlive(int64_t lease);
  absl::Status RevokeLease(int64_t lease);
  // Writes key = value, attached to `lease` (0: no lease).
  absl::Status Put(const std::string& key, const std::string& value, int64_t lease);
  absl::Status Delete(const std::string& key);
  // Every key starting with `prefix`, in key order.
  absl::StatusOr<std::vector<EtcdKeyValue>> RangePrefix(const std::string& prefix);

 private:
  // POSTs `body` to `path` (with the auth token) and returns the answer's JSON text; tries
  // every endpoint; authenticates first, and again once when etcd refuses the token.
  absl::StatusOr<std::string> Post(const std::string& path, const std::string& body);
  // One POST without auth handling; `token` "" sends no Authorization header.
  absl::StatusOr<std::string> PostLocked(const std::string& path, const std::string& body,
                                         const std::string& token)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AuthenticateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const EtcdClientOptions options_;  // endpoints with scheme
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);     // "" until authenticated (or without auth)
  size_t current_ ABSL_GUARDED_BY(mu_) = 0;    // endpoint tried first
  void* curl_ ABSL_GUARDED_BY(mu_) = nullptr;  // CURL*, reused for connection keep-alive
};

}  // namespace sluice::cluster
