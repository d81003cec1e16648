// K8sApiClient: the two calls Kubernetes discovery makes to the API server from inside a pod —
// GET a list, and GET a watch whose answer is a chunked stream of one JSON event per line — over
// HTTPS (Boost.Beast on Asio SSL) with the pod's service-account credentials, as client-go's
// in-cluster config does: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the CA in
// <dir>/ca.crt verifies the server (host name or IP SAN), <dir>/token is the bearer token. The
// token file is read again for every request, because projected tokens are rotated in place.
//
// Each call blocks its caller: connect, TLS handshake and request within `timeout`; a list's
// answer within `timeout`; a watch waits up to its idle timeout for each piece of the stream.
//
// Thread safety: one call at a time (one caller thread); Cancel() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sluice::cluster {

struct K8sApiOptions {
  // The API server. Required: host (name, IPv4 or IPv6 literal without brackets) and port.
  std::string host;
  uint16_t port = 0;
  // Service-account files (client-go's rest.InClusterConfig reads the same).
  std::string token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  // Connect + handshake + request, and a list's whole answer. Default: 10 s.
  absl::Duration timeout = absl::Seconds(10);
};

// An answer that arrived: its HTTP status and, for a list or a refused watch, its body.
struct K8sResponse {
  int status = 0;
  std::string body;
};

class K8sApiClient {
 public:
  // Reads the CA file; InvalidArgument naming the file when it is missing or not PEM.
  static absl::StatusOr<std::unique_ptr<K8sApiClient>> Create(K8sApiOptions options);
  ~K8sApiClient();
  K8sApiClient(const K8sApiClient&) = delete;
  K8sApiClient& operator=(const K8sApiClient&) = delete;

  // GETs `target` ("/api/v1/namespaces/default/pods?labelSelector=...") and returns the answer,
  // whatever its status. Errors: the token cannot be read (FailedPrecondition), no answer
  // (Unavailable: connect, TLS or read failed; DeadlineExceeded: timeout), Cancelled.
  absl::StatusOr<K8sResponse> Get(const std::string& target);

  // GETs a watch `target`. A non-200 answer is returned whole, like Get. On 200, `on_line` gets
  // every line of the body as it arrives (without the newline) until the server ends the stream
  // (returns {200, ""}) or `on_line` returns false (the same). Errors as Get, and also when the
  // connection drops mid-stream (Unavailable) or no byte arrives for `idle_timeout`
  // (DeadlineExceeded).
  absl::StatusOr<K8sResponse> Watch(const std::string& target, absl::Duration idle_timeout,
                                    const std::function<bool(std::string_view line)>& on_line);

  // Aborts the call in progress, if any, and makes every later call fail with Cancelled.
  void Cancel();

 private:
  struct Io;
  K8sApiClient(K8sApiOptions options, std::unique_ptr<Io> io);

  // One request; `on_line` null reads the whole body.
  absl::StatusOr<K8sResponse> Request(const std::string& target, absl::Duration idle_timeout,
                                      const std::function<bool(std::string_view)>* on_line);

  const K8sApiOptions options_;
  std::unique_ptr<Io> io_;
  std::atomic<bool> cancelled_{false};
};

// "key=value,other" → "key%3Dvalue%2Cother": a label selector as a query parameter value.
std::string K8sQueryEscape(std::string_view text);

}  // namespace sluice::cluster
