#include "api/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

#include <atomic>
#include <charconv>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "api/status_mapping.h"

namespace sluice::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", address, "' is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  const char* first = address.data() + colon + 1;
  const char* last = address.data() + address.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || ptr != last || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", address, "' has an invalid port (expected 0-65535)"));
  }
  if (host.empty()) return absl::InvalidArgumentError(absl::StrCat("'", address, "' has no host"));
  return std::pair{host, static_cast<uint16_t>(port)};
}

namespace {

using Routes = std::map<std::string, std::map<std::string, HttpHandler>>;  // path → method → h

HttpResponse ErrorResponse(absl::Status status) {
  HttpResponse resp;
  resp.status = HttpStatusFor(status.code());
  resp.body = GatewayErrorJson(status);
  return resp;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Routes& routes, const HttpServerOptions& options)
      : stream_(std::move(socket)), routes_(routes), options_(options) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(std::chrono::seconds(options_.idle_timeout_seconds));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
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
    HttpRequest req;
    req.method = std::string(msg.method_string());
    std::string_view target(msg.target().data(), msg.target().size());
    req.path = std::string(target.substr(0, target.find('?')));
    req.body = std::move(msg.body());
    if (auto it = msg.find(http::field::content_type); it != msg.end()) {
      req.content_type = std::string(it->value());
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
    handler->second(req, [self = shared_from_this()](HttpResponse resp) {
      asio::post(self->stream_.get_executor(),
                 [self, resp = std::move(resp)]() mutable { self->Write(std::move(resp)); });
    });
  }

  void Write(HttpResponse resp, int status_override = 0) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(status_override ? status_override : resp.status));
    response_.set(http::field::server, "sluice");
    response_.set(http::field::content_type, resp.content_type);
    for (auto& [name, value] : resp.headers) response_.set(name, value);
    response_.body() = std::move(resp.body);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec || !self->keep_alive_) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool keep_alive_ = false;
  const Routes& routes_;
  const HttpServerOptions& options_;
};

}  // namespace

class HttpServer::Impl {
 public:
  explicit Impl(HttpServerOptions options)
      : options_(std::move(options)), ioc_(options_.threads), acceptor_(asio::make_strand(ioc_)) {}

  absl::Status Start() {
    auto hp = SplitHostPort(options_.address);
    if (!hp.ok()) return hp.status();
    beast::error_code ec;
    auto ip = asio::ip::make_address(hp->first, ec);
    if (ec) {
      // Not a literal address: resolve the name (e.g. "localhost").
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(hp->first, std::to_string(hp->second), ec);
      if (ec || results.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot resolve HTTP address '", options_.address, "': ", ec.message()));
      }
      ip = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(ip, hp->second);
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

  void Stop() {
    if (stopped_.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s), routes_, options_)->Start();
      }
      Accept();
    });
  }

  HttpServerOptions options_;
  Routes routes_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
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
void HttpServer::Stop() { impl_->Stop(); }
int HttpServer::port() const { return impl_->port_; }

}  // namespace sluice::api
