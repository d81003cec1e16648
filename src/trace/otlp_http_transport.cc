#include "trace/otlp_http_transport.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/host_port.h"

namespace sluice::trace {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr char kScheme[] = "http://";

// Runs one asynchronous operation on `io` to completion; the stream's expiry bounds it.
template <typename Initiate>
beast::error_code RunOne(asio::io_context& io, Initiate&& initiate) {
  beast::error_code result = asio::error::would_block;
  initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

}  // namespace

absl::StatusOr<HttpUrl> ParseHttpUrl(std::string_view url) {
  auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid OTLP endpoint '", std::string(url), "': ", std::string(why)));
  };
  if (absl::StartsWithIgnoreCase(std::string(url), "https://")) {
    return invalid("https is not supported; send to a collector over http (a local one or a "
                   "sidecar that forwards with TLS)");
  }
  if (!absl::StartsWithIgnoreCase(std::string(url), kScheme)) return invalid("want http://host:port[/path]");
  std::string_view rest = url.substr(sizeof(kScheme) - 1);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty()) return invalid("no host");
  if (authority.find('@') != std::string_view::npos) return invalid("user info is not supported");
  const bool has_port = authority.back() != ']' && authority.find(':') != std::string_view::npos;
  std::string with_port = has_port ? std::string(authority) : std::string(authority) + ":80";
  absl::StatusOr<common::HostPort> split = common::SplitHostPort(with_port);
  if (!split.ok()) return invalid(std::string(split.status().message()));
  out.host = split->host;
  out.port = std::to_string(split->port);
  return out;
}

std::string TracesUrl(std::string_view endpoint, std::string_view traces_endpoint) {
  if (!traces_endpoint.empty()) return std::string(traces_endpoint);
  if (endpoint.empty()) return "";
  std::string url(endpoint);
  if (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/v1/traces";
}

absl::StatusOr<std::unique_ptr<OtlpHttpTransport>> OtlpHttpTransport::Create(
    std::string_view url, absl::Duration timeout) {
  absl::StatusOr<HttpUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return parsed.status();
  return std::unique_ptr<OtlpHttpTransport>(
      new OtlpHttpTransport(*std::move(parsed), std::string(url), timeout));
}

ExportOutcome OtlpHttpTransport::Send(std::string_view body) {
  using Kind = ExportOutcome::Kind;
  const auto timeout = absl::ToChronoMilliseconds(timeout_);
  auto fail = [&](Kind kind, std::string message) {
    if (stream_) {
      beast::error_code ignored;
      stream_->socket().close(ignored);
      stream_.reset();
    }
    return ExportOutcome{kind, absl::StrCat("OTLP export to ", display_, ": ", message)};
  };
  beast::error_code ec;
  if (!stream_) {
    asio::ip::tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(url_.host, url_.port, ec);
    if (ec) return fail(Kind::kRetryable, absl::StrCat("resolve: ", ec.message()));
    stream_.emplace(io_);
    stream_->expires_after(timeout);
    ec = RunOne(io_, [&](auto handler) { stream_->async_connect(endpoints, std::move(handler)); });
    if (ec) return fail(Kind::kRetryable, absl::StrCat("connect: ", ec.message()));
  }
  http::request<http::string_body> request{http::verb::post, url_.target, 11};
  request.set(http::field::host, url_.host + ":" + url_.port);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::user_agent, "sluice");
  request.keep_alive(true);
  request.body() = std::string(body);
  request.prepare_payload();
  stream_->expires_after(timeout);
  ec = RunOne(io_, [&](auto handler) { http::async_write(*stream_, request, std::move(handler)); });
  if (ec) return fail(Kind::kRetryable, absl::StrCat("write: ", ec.message()));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  ec = RunOne(io_, [&](auto handler) {
    http::async_read(*stream_, buffer, response, std::move(handler));
  });
  if (ec) return fail(Kind::kRetryable, absl::StrCat("read: ", ec.message()));
  const unsigned status = response.result_int();
  if (!response.keep_alive()) {
    beast::error_code ignored;
    stream_->socket().close(ignored);
    stream_.reset();
  }
  if (status >= 200 && status < 300) return ExportOutcome{};
  const bool retryable = status == 429 || status == 502 || status == 503 || status == 504;
  std::string excerpt = response.body().substr(0, 200);
  return fail(retryable ? Kind::kRetryable : Kind::kRejected,
              absl::StrCat("HTTP ", status, excerpt.empty() ? "" : ": ", excerpt));
}

}  // namespace sluice::trace
