#include "cluster/k8s_api_client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstring>
#include <limits>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace sluice::cluster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t kMaxBodyBytes = 64 << 20;  // a list of a few thousand pods is a few MB
constexpr size_t kMaxLineBytes = 16 << 20;  // one watch event

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the ", what, " ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct K8sApiClient::Io {
  asio::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::unique_ptr<TlsStream> stream;  // the connection of the call in progress

  // The connected socket of the call in progress, for Cancel() from another thread: shutting a
  // socket down is safe from any thread and ends the read waiting on it.
  absl::Mutex fd_mu;
  int fd ABSL_GUARDED_BY(fd_mu) = -1;

  // Starts one asynchronous operation with a handler that records its outcome, and runs the
  // io_context on this thread until that handler has run. Handlers posted by Cancel() run here
  // too, so a cancel aborts whichever operation is waiting.
  template <typename Initiate>
  beast::error_code Run(Initiate&& initiate) {
    beast::error_code result;
    bool done = false;
    initiate([&result, &done](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.restart();
    while (!done && ioc.run_one() != 0) {
    }
    return result;
  }
};

absl::StatusOr<std::unique_ptr<K8sApiClient>> K8sApiClient::Create(K8sApiOptions options) {
  if (options.host.empty() || options.port == 0) {
    return absl::InvalidArgumentError("k8s API: host and port are required");
  }
  auto ca = ReadFile(options.ca_file, "service account CA");
  if (!ca.ok()) return absl::InvalidArgumentError(ca.status().message());
  auto io = std::make_unique<Io>();
  beast::error_code ec;
  io->tls.add_certificate_authority(asio::buffer(*ca), ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat("the service account CA ", options.ca_file,
                                                   " is not a PEM certificate: ", ec.message()));
  }
  io->tls.set_verify_mode(ssl::verify_peer);
  return std::unique_ptr<K8sApiClient>(new K8sApiClient(std::move(options), std::move(io)));
}

K8sApiClient::K8sApiClient(K8sApiOptions options, std::unique_ptr<Io> io)
    : options_(std::move(options)), io_(std::move(io)) {}

K8sApiClient::~K8sApiClient() = default;

void K8sApiClient::Cancel() {
  cancelled_ = true;
  {
    absl::MutexLock lock(&io_->fd_mu);
    if (io_->fd >= 0) ::shutdown(io_->fd, SHUT_RDWR);
  }
  asio::post(io_->ioc, [io = io_.get()] {
    if (io->stream) beast::get_lowest_layer(*io->stream).cancel();
  });
}

absl::StatusOr<K8sResponse> K8sApiClient::Get(const std::string& target) {
  return Request(target, options_.timeout, nullptr);
}

absl::StatusOr<K8sResponse> K8sApiClient::Watch(
    const std::string& target, absl::Duration idle_timeout,
    const std::function<bool(std::string_view line)>& on_line) {
  return Request(target, idle_timeout, &on_line);
}

absl::StatusOr<K8sResponse> K8sApiClient::Request(
    const std::string& target, absl::Duration idle_timeout,
    const std::function<bool(std::string_view)>* on_line) {
  if (cancelled_) return absl::CancelledError("k8s API client stopped");
  auto token = ReadFile(options_.token_file, "service account token");
  if (!token.ok()) return token.status();
  const std::string host_port =
      options_.host.find(':') != std::string::npos
          ? absl::StrCat("[", options_.host, "]:", options_.port)
          : absl::StrCat(options_.host, ":", options_.port);
  auto failure = [&](beast::error_code ec, const char* step) -> absl::Status {
    if (cancelled_) return absl::CancelledError("k8s API client stopped");
    const std::string message =
        absl::StrCat("k8s API https://", host_port, ": ", step, ": ", ec.message());
    return ec == beast::error::timeout ? absl::DeadlineExceededError(message)
                                       : absl::UnavailableError(message);
  };

  Io& io = *io_;
  struct Reset {  // the connection ends with the call, however it ends
    Io& io;
    ~Reset() {
      {
        absl::MutexLock lock(&io.fd_mu);
        io.fd = -1;
      }
      if (io.stream) {
        beast::error_code ignored;
        beast::get_lowest_layer(*io.stream).socket().close(ignored);
      }
      io.stream.reset();
    }
  } reset{io};
  tcp::resolver resolver(io.ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
  if (ec) return failure(ec, "resolve");
  io.stream = std::make_unique<TlsStream>(io.ioc, io.tls);
  TlsStream& stream = *io.stream;
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  if (!IsIpLiteral(options_.host)) {
    // SSL_set_tlsext_host_name without its C cast.
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(options_.host.c_str()));
  }
  stream.set_verify_callback(ssl::host_name_verification(options_.host));
  const auto timeout = absl::ToChronoMilliseconds(options_.timeout);
  tcp_layer.expires_after(timeout);
  ec = io.Run([&](auto handler) { tcp_layer.async_connect(endpoints, std::move(handler)); });
  if (ec) return failure(ec, "connect");
  {
    absl::MutexLock lock(&io.fd_mu);
    io.fd = tcp_layer.socket().native_handle();
  }
  if (cancelled_) return absl::CancelledError("k8s API client stopped");
  ec = io.Run(
      [&](auto handler) { stream.async_handshake(ssl::stream_base::client, std::move(handler)); });
  if (ec) return failure(ec, "TLS handshake");

  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, host_port);
  request.set(http::field::authorization,
              absl::StrCat("Bearer ", absl::StripAsciiWhitespace(*token)));
  request.set(http::field::accept, "application/json");
  request.set(http::field::user_agent, "sluice");
  ec = io.Run([&](auto handler) { http::async_write(stream, request, std::move(handler)); });
  if (ec) return failure(ec, "sending the request");

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // lists are bounded below
  ec = io.Run([&](auto handler) {
    http::async_read_header(stream, buffer, parser, std::move(handler));
  });
  if (ec) return failure(ec, "reading the answer");

  K8sResponse response{.status = static_cast<int>(parser.get().result_int())};
  const bool streaming = on_line != nullptr && response.status == 200;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string pending;  // streaming: bytes after the last newline
  char chunk[16 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    if (streaming) {
      tcp_layer.expires_after(absl::ToChronoMilliseconds(idle_timeout));
    } else {
      tcp_layer.expires_at(deadline);
    }
    // read_some: hand over each piece of a watch stream as it arrives, not when `chunk` is full.
    ec = io.Run(
        [&](auto handler) { http::async_read_some(stream, buffer, parser, std::move(handler)); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return failure(ec, streaming ? "watch stream" : "reading the answer");
    const size_t got = sizeof(chunk) - parser.get().body().size;
    if (!streaming) {
      response.body.append(chunk, got);
      if (response.body.size() > kMaxBodyBytes) {
        return absl::ResourceExhaustedError(
            absl::StrCat("k8s API answer to ", target, " is larger than ", kMaxBodyBytes, " bytes"));
      }
      continue;
    }
    pending.append(chunk, got);
    size_t start = 0;
    for (size_t newline; (newline = pending.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      std::string_view line(pending.data() + start, newline - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty() && !(*on_line)(line)) return K8sResponse{.status = 200};
    }
    pending.erase(0, start);
    if (pending.size() > kMaxLineBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("k8s API watch event longer than ", kMaxLineBytes, " bytes"));
    }
  }
  if (streaming && !pending.empty()) (*on_line)(pending);  // a last line without newline
  return response;
}

std::string K8sQueryEscape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace sluice::cluster
