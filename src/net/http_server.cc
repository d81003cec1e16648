#include "net/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/host_port.h"
#include "net/http_error.h"
#include "net/pending_answers.h"

namespace sluice::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

using Routes = std::map<std::string, std::map<std::string, HttpHandler>>;  // path → method → h

// What every connection of one server shares: its routes, options, drain state and the requests
// waiting for their handler.
struct Shared {
  Routes routes;
  HttpServerOptions options;
  std::shared_ptr<PendingAnswers> answers = PendingAnswers::Create();
  std::atomic<int> in_flight{0};      // requests read and not yet answered
  std::atomic<int> connections{0};    // sessions alive
  std::atomic<bool> draining{false};  // answer with Connection: close, read no more
  std::atomic<uint64_t> accept_failures{0};
};

// Accept errors that say the process or the machine ran out of something: retrying at once
// fails again (and spins a core), so the accept loop waits instead.
bool IsResourceShortage(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors ||  // EMFILE
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
         ec.value() == ENFILE;
}

// The accept loop's wait after a resource shortage: 5 ms doubling to 1 s (as Go's net/http),
// back to 5 ms after a successful accept.
constexpr std::chrono::milliseconds kMinAcceptBackoff{5};
constexpr std::chrono::milliseconds kMaxAcceptBackoff{1000};


HttpResponse ErrorResponse(absl::Status status) {
  HttpResponse resp;
  resp.status = HttpStatusFor(status.code());
  resp.body = GatewayErrorJson(status);
  return resp;
}

// One connection; Stream is beast::tcp_stream (plain HTTP) or TlsStream (HTTPS).
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(tcp::socket socket, Shared& shared) requires std::is_same_v<Stream, beast::tcp_stream>
      : stream_(std::move(socket)), shared_(shared), routes_(shared.routes),
        options_(shared.options) {
    shared_.connections.fetch_add(1);
  }
  // `tls` stays alive as long as the connection, even if a reload replaces it meanwhile.
  Session(tcp::socket socket, Shared& shared, std::shared_ptr<ssl::context> tls)
      : tls_(std::move(tls)), stream_(std::move(socket), *tls_), shared_(shared),
        routes_(shared.routes), options_(shared.options) {
    shared_.connections.fetch_add(1);
  }

  ~Session() {
    if (counted_) shared_.in_flight.fetch_sub(1);
    shared_.connections.fetch_sub(1);
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Handshake() {
    Tcp().expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    stream_.async_handshake(ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              // A failed handshake (plaintext client, refused certificate) just
                              // ends the connection: there is no channel to answer on.
                              if (ec) return self->Close();
                              self->client_common_name_ =
                                  VerifiedClientCommonName(self->stream_.native_handle());
                              self->Read();
                            });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(64 * 1024);
    if (shared_.draining.load()) {
      Tcp().expires_after(options_.drain_idle_grace);
    } else {
      Tcp().expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    }
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return Write(ErrorResponse(absl::ResourceExhaustedError(absl::StrCat(
                       "request body larger than ", options_.max_body_bytes, " bytes"))),
                   413);
    }
    if (ec) {
      keep_alive_ = false;
      return Write(ErrorResponse(absl::InvalidArgumentError(
                       absl::StrCat("malformed HTTP request: ", ec.message()))),
                   400);
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    shared_.in_flight.fetch_add(1);
    counted_ = true;
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    const size_t question = target.find('?');
    req.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) req.query = std::string(target.substr(question + 1));
    req.client_common_name = client_common_name_;
    req.body = std::move(msg.body());
    if (auto it = msg.find(http::field::content_type); it != msg.end()) {
      req.content_type = std::string(it->value());
    }
    if (auto it = msg.find("traceparent"); it != msg.end()) {
      req.traceparent = std::string(it->value());
      if (auto state = msg.find("tracestate"); state != msg.end()) {
        req.tracestate = std::string(state->value());
      }
    }
    Dispatch(req);
  }

  void Dispatch(const HttpRequest& req) {
    auto path = routes_.find(req.path);
    if (path == routes_.end()) {
      return Write(ErrorResponse(absl::NotFoundError("Not Found")), 404);
    }
    auto handler = path->second.find(req.method);
    if (handler == path->second.end()) {
      auto resp = ErrorResponse(absl::UnimplementedError("Method Not Allowed"));
      std::string allow;
      for (const auto& [method, unused] : path->second) {
        absl::StrAppend(&allow, allow.empty() ? "" : ", ", method);
      }
      resp.headers.emplace_back("Allow", allow);
      return Write(std::move(resp), 405);
    }
    auto respond = shared_.answers->Wait([self = this->shared_from_this()](HttpResponse resp) {
      asio::post(self->stream_.get_executor(),
                 [self, resp = std::move(resp)]() mutable { self->Write(std::move(resp)); });
    });
    handler->second(req, std::move(respond));
  }

  void Write(HttpResponse resp, int status_override = 0) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(status_override ? status_override : resp.status));
    response_.set(http::field::server, "sluice");
    response_.set(http::field::content_type, resp.content_type);
    for (auto& [name, value] : resp.headers) response_.set(name, value);
    response_.body() = std::move(resp.body);
    if (shared_.draining.load()) keep_alive_ = false;
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (self->counted_) {
                          self->counted_ = false;
                          self->shared_.in_flight.fetch_sub(1);
                        }
                        if (ec || !self->keep_alive_) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    // For TLS this skips close_notify: every answer is already framed by Content-Length, so the
    // client loses nothing, and no handshake can hang the close.
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Tcp().close();
  }

  std::shared_ptr<ssl::context> tls_;  // declared before stream_, which refers to it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool keep_alive_ = false;
  bool counted_ = false;  // this connection's current request is in shared_.in_flight
  std::string client_common_name_;  // of the verified client certificate (TLS), set once
  Shared& shared_;
  const Routes& routes_;
  const HttpServerOptions& options_;
};

// The OpenSSL context of an HTTPS listener: certificate, key, minimum version and the client
// certificate policy of `tls` (tls.h lists the modes).
absl::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const ServerTls& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(),
                                tls.min_tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
  ctx->use_certificate_chain(asio::buffer(tls.cert_chain_pem), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS certificate: ", ec.message()));
  ctx->use_private_key(asio::buffer(tls.private_key_pem), ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS private key: ", ec.message()));
  if (!tls.client_ca_pem.empty()) {
    ctx->add_certificate_authority(asio::buffer(tls.client_ca_pem), ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("TLS client CA: ", ec.message()));
  }
  const bool verify = tls.client_auth == ClientAuth::kVerifyIfGiven ||
                      tls.client_auth == ClientAuth::kRequireAndVerify;
  const bool require = tls.client_auth == ClientAuth::kRequireAny ||
                       tls.client_auth == ClientAuth::kRequireAndVerify;
  if (tls.client_auth == ClientAuth::kNone) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer | (require ? ssl::verify_fail_if_no_peer_cert : 0));
    if (!verify) {
      ctx->set_verify_callback([](bool, ssl::verify_context&) { return true; });
    }
  }
  return ctx;
}

}  // namespace

class HttpServer::Impl {
 public:
  explicit Impl(HttpServerOptions options)
      : shared_{.options = std::move(options)},
        options_(shared_.options),
        routes_(shared_.routes),
        ioc_(options_.threads),
        acceptor_(asio::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()) {}

  absl::Status Start() {
    if (options_.tls) {
      auto ctx = MakeTlsContext(*options_.tls);
      if (!ctx.ok()) return ctx.status();
      absl::MutexLock lock(&tls_mu_);
      tls_ = std::move(*ctx);
    }
    auto hp = common::SplitHostPort(options_.address, common::PortZero::kAllowed);
    if (!hp.ok()) return hp.status();
    beast::error_code ec;
    auto ip = asio::ip::make_address(hp->host, ec);
    if (ec) {
      // Not a literal address: resolve the name (e.g. "localhost").
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(hp->host, std::to_string(hp->port), ec);
      if (ec || results.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot resolve HTTP address '", options_.address, "': ", ec.message()));
      }
      ip = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(ip, hp->port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on HTTP address '", options_.address, "': ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return absl::OkStatus();
  }

  void Stop(std::chrono::milliseconds drain) {
    if (stopped_.exchange(true)) return;
    shared_.draining.store(true);
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
    });
    // Requests in progress are answered (with Connection: close) until `drain`; a connection
    // with none may still send one until the idle grace ends.
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + drain;
    const auto idle_deadline = start + std::min(drain, options_.drain_idle_grace);
    for (auto now = start; now < deadline; now = std::chrono::steady_clock::now()) {
      if (shared_.in_flight.load() == 0 &&
          (shared_.connections.load() == 0 || now >= idle_deadline)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    // While the io_context and shared_ still exist: connections a handler has not answered go
    // now, and a late answer (a peer reply during shutdown) is dropped instead of reaching them.
    shared_.answers->Close();
  }

  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec && IsResourceShortage(ec)) return RetryAcceptLater(ec);
      accept_backoff_ = std::chrono::milliseconds(0);
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        if (auto tls = CurrentTls()) {
          std::make_shared<Session<TlsStream>>(std::move(s), shared_, std::move(tls))->Start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(s), shared_)->Start();
        }
      }
      Accept();
    });
  }

  // Counts and reports a failed accept, then accepts again after the backoff. Runs on the
  // acceptor's strand.
  void RetryAcceptLater(const beast::error_code& ec) {
    shared_.accept_failures.fetch_add(1);
    accept_backoff_ = std::clamp(accept_backoff_ * 2, kMinAcceptBackoff, kMaxAcceptBackoff);
    if (options_.on_accept_failure) {
      options_.on_accept_failure(absl::StrCat("HTTP port ", port_, ": accept failed (",
                                              ec.message(), "); retrying in ",
                                              accept_backoff_.count(), " ms"));
    }
    accept_retry_.expires_after(accept_backoff_);
    accept_retry_.async_wait([this](beast::error_code wait_ec) {
      if (wait_ec || !acceptor_.is_open()) return;
      Accept();
    });
  }

  Shared shared_;
  const HttpServerOptions& options_;
  Routes& routes_;
  std::shared_ptr<ssl::context> CurrentTls() {
    absl::MutexLock lock(&tls_mu_);
    return tls_;
  }

  absl::Status ReloadTls(const ServerTls& tls) {
    if (!CurrentTls()) return absl::FailedPreconditionError("the HTTP server was started without TLS");
    auto ctx = MakeTlsContext(tls);
    if (!ctx.ok()) return ctx.status();
    absl::MutexLock lock(&tls_mu_);
    tls_ = std::move(*ctx);
    return absl::OkStatus();
  }

  asio::io_context ioc_;
  absl::Mutex tls_mu_;
  // HTTPS when set; replaced by ReloadTls.
  std::shared_ptr<ssl::context> tls_ ABSL_GUARDED_BY(tls_mu_);
  tcp::acceptor acceptor_;
  // The accept loop's backoff state; touched only on the acceptor's strand.
  asio::steady_timer accept_retry_;
  std::chrono::milliseconds accept_backoff_{0};
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
  int port_ = 0;
};

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string path, HttpHandler handler) {
  impl_->routes_[std::move(path)][std::move(method)] = std::move(handler);
}

absl::Status HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop(std::chrono::milliseconds drain) { impl_->Stop(drain); }
absl::Status HttpServer::ReloadTls(const ServerTls& tls) { return impl_->ReloadTls(tls); }
int HttpServer::in_flight() const { return impl_->shared_.in_flight.load(); }
int HttpServer::connections() const { return impl_->shared_.connections.load(); }
uint64_t HttpServer::accept_failures() const { return impl_->shared_.accept_failures.load(); }
int HttpServer::port() const { return impl_->port_; }

}  // namespace sluice::net
