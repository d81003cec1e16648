// EtcdClient: the few etcd v3 calls peer discovery needs, over etcd's JSON gRPC gateway on HTTP
// (POST /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/lease/grant, /v3/lease/keepalive,
// /v3/lease/revoke; keys and values base64, int64 as strings). libcurl does the HTTP; protobuf's
// JSON parser reads the answers. Each call blocks its caller for at most `timeout` per endpoint;
// endpoints are tried in order until one answers, and the one that answered is tried first next.
//
// Plain http only (no TLS or auth yet). Thread safety: every method may be called from any
// thread; calls are serialized (one connection).
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

class EtcdClient {
 public:
  // `endpoints`: "host:port" or "http://host:port", at least one.
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
  // POSTs `body` to `path` and returns the answer's JSON text; tries every endpoint.
  absl::StatusOr<std::string> Post(const std::string& path, const std::string& body);

  const std::vector<std::string> endpoints_;  // with scheme
  const absl::Duration timeout_;
  absl::Mutex mu_;
  size_t current_ ABSL_GUARDED_BY(mu_) = 0;    // endpoint tried first
  void* curl_ ABSL_GUARDED_BY(mu_) = nullptr;  // CURL*, reused for connection keep-alive
};

}  // namespace sluice::cluster
