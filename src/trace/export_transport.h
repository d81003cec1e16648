// ExportTransport: how a batch of spans leaves the process — the seam between the exporter's
// queueing and the network, so tests substitute a receiver that fails, stalls or answers 500.
//
// Thread safety: called from the exporter's thread only.
#pragma once

#include <string>
#include <string_view>

namespace sluice::trace {

struct ExportOutcome {
  enum class Kind {
    kOk,
    kRetryable,  // connection failures, timeouts, HTTP 429/502/503/504 (OTLP's retryable set)
    kRejected,   // any other answer: sending the same batch again cannot succeed
  };
  Kind kind = Kind::kOk;
  std::string message;  // what went wrong, naming the endpoint

  bool ok() const { return kind == Kind::kOk; }
};

class ExportTransport {
 public:
  virtual ~ExportTransport() = default;
  // Sends one OTLP/HTTP JSON body; blocks at most the transport's own timeout.
  virtual ExportOutcome Send(std::string_view body) = 0;
};

}  // namespace sluice::trace
