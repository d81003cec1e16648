// OtlpHttpTransport: the ExportTransport that POSTs OTLP JSON to a collector's OTLP/HTTP traces
// URL (http://host:port/v1/traces) with Boost.Beast, keeping one connection open between exports
// and reconnecting after any failure. Each export (connect, write, read) ends within `timeout`.
// Plain http only: a collector reached over TLS is fronted by a local collector or sidecar.
//
// Thread safety: Send from one thread at a time (the exporter's).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "trace/export_transport.h"

namespace sluice::trace {

// The parts of an http:// URL.
struct HttpUrl {
  std::string host;
  std::string port;    // "80" when the URL has none
  std::string target;  // path and query, "/" at least
};

// Parses "http://host[:port][/path]". InvalidArgument quoting `url` for anything else (https
// included, with the reason).
absl::StatusOr<HttpUrl> ParseHttpUrl(std::string_view url);

// The traces URL the OpenTelemetry variables describe: `traces_endpoint`
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) as it is when set, else `endpoint`
// (OTEL_EXPORTER_OTLP_ENDPOINT, --otlp-endpoint) with "/v1/traces" appended to its path; "" when
// both are empty (tracing off).
std::string TracesUrl(std::string_view endpoint, std::string_view traces_endpoint);

class OtlpHttpTransport final : public ExportTransport {
 public:
  static absl::StatusOr<std::unique_ptr<OtlpHttpTransport>> Create(std::string_view url,
                                                                   absl::Duration timeout);
  ExportOutcome Send(std::string_view body) override;

 private:
  OtlpHttpTransport(HttpUrl url, std::string display, absl::Duration timeout)
      : url_(std::move(url)), display_(std::move(display)), timeout_(timeout) {}

  const HttpUrl url_;
  const std::string display_;  // the URL, for messages
  const absl::Duration timeout_;
  boost::asio::io_context io_;
  std::optional<boost::beast::tcp_stream> stream_;  // the open connection, if any
};

}  // namespace sluice::trace
