#include "http_get.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace sluice::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

absl::StatusOr<std::string> HttpGet(const std::string& host_port, const std::string& path) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("address needs a port");
  const std::string host = host_port.substr(0, colon);
  const std::string port = host_port.substr(colon + 1);
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("resolve ", host_port, ": ", ec.message()));
  stream.expires_after(std::chrono::seconds(5));
  stream.connect(endpoints, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("connect ", host_port, ": ", ec.message()));
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, host);
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> resp;
  if (!ec) http::read(stream, buffer, resp, ec);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  if (ec) return absl::UnavailableError(absl::StrCat("GET ", host_port, path, ": ", ec.message()));
  if (resp.result_int() != 200) {
    return absl::UnavailableError(
        absl::StrCat("GET ", host_port, path, ": HTTP ", resp.result_int()));
  }
  return std::move(resp.body());
}

double PrometheusValue(const std::string& exposition, const std::string& series) {
  size_t at = 0;
  while ((at = exposition.find(series, at)) != std::string::npos) {
    const bool line_start = at == 0 || exposition[at - 1] == '\n';
    const size_t after = at + series.size();
    if (line_start && after < exposition.size() && exposition[after] == ' ') {
      return std::strtod(exposition.c_str() + after + 1, nullptr);
    }
    at = after;
  }
  return -1;
}

}  // namespace sluice::bench
