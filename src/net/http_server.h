// HttpServer: a small asynchronous HTTP/1.1 server (Boost.Beast on Asio) that dispatches
// requests to registered handlers by method and path. Keep-alive, bounded body size, idle
// timeouts so a slow or silent client cannot hold a connection forever, and JSON error bodies
// for malformed requests, unknown paths and wrong methods.
//
// Handlers receive the request and a Respond callback; they may answer inline or later from
// any thread (the answer is posted back onto the connection's strand). Handlers must not block.
//
// Thread safety: Route() before Start() only; Start()/Stop() from one thread; handlers run on
// the server's I/O threads concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/tls.h"

namespace sluice::net {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // target without the query string
  std::string query;   // the query string after '?', still URL-encoded; "" when none
  std::string body;
  std::string content_type;
  // The W3C trace context headers (docs/operations.md "Tracing"); empty when absent.
  std::string traceparent;
  std::string tracestate;
  // The common name of the client certificate this HTTPS connection presented and the listener
  // verified against its client CA (--tls-client-auth verify-cert or require-and-verify); ""
  // for plaintext, no certificate, or one not verified.
  std::string client_common_name;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpRespond = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, HttpRespond)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1:1050";  // host:port; port 0 picks a free port
  int threads = 2;                         // I/O threads
  size_t max_body_bytes = 1 << 20;         // larger bodies get 413
  int idle_timeout_seconds = 60;           // a connection silent this long is closed
  std::optional<ServerTls> tls;            // HTTPS only when set; plaintext is then refused
  // While draining, a keep-alive connection with no request in progress may still send one (a
  // client writing its next request as the drain starts must not get a closed socket); it is
  // answered with `Connection: close`. After this long an idle connection is closed.
  std::chrono::milliseconds drain_idle_grace{1000};
  // Called (from an I/O thread) each time accept fails for want of a resource (EMFILE, ENFILE,
  // ENOBUFS, ENOMEM), with a line naming the port, the error and the wait: the accept loop then
  // waits (5 ms doubling to 1 s) before trying again instead of spinning. It must not block.
  std::function<void(const std::string& what)> on_accept_failure;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers `handler` for `method` and `path` (exact match).
  void Route(std::string method, std::string path, HttpHandler handler);

  // Binds, listens and starts the I/O threads. Fails with a message naming the address.
  absl::Status Start();
  // Graceful stop: stops accepting, lets requests already being handled finish (answered with
  // `Connection: close`), gives idle keep-alive connections `drain_idle_grace` to send one last
  // request, all within `drain`, then closes every connection and joins the I/O threads.
  // Idempotent.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(0));

  // Replaces the certificate, key and client policy for connections accepted from now on
  // (HTTPS servers only). On error the old ones stay.
  absl::Status ReloadTls(const ServerTls& tls);

  // Requests read but not yet answered.
  int in_flight() const;
  // Connections open now.
  int connections() const;
  // Accepts that failed for want of a resource since Start (see on_accept_failure).
  uint64_t accept_failures() const;

  // The bound port (after Start).
  int port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::net
