// Tracing: the process's tracing, assembled from TracingOptions — the sampler, the tracing level,
// the OTLP/HTTP transport and the batch exporter behind one Tracer that the doors and the peer
// client share. Off (no object at all) unless an OTLP endpoint is configured.
//
// Thread safety: tracer() may be used from any thread; Stop() once, after the servers stopped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "obs/registry.h"
#include "trace/batch_exporter.h"
#include "trace/tracer.h"

namespace sluice::trace {

struct TracingOptions {
  // The collector's OTLP/HTTP base URL, "/v1/traces" appended (--otlp-endpoint,
  // OTEL_EXPORTER_OTLP_ENDPOINT). Default: "" (tracing off unless traces_endpoint is set).
  std::string endpoint;
  // The full traces URL, used as it is; wins over `endpoint` (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
  // Default: "".
  std::string traces_endpoint;
  // The resource's service.name (OTEL_SERVICE_NAME). Default: "sluice".
  std::string service_name = "sluice";
  // The resource's service.instance.id (--instance-id); "" leaves it out. Default: "".
  std::string instance_id;
  // OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (see Sampler::FromConfig). Default:
  // parentbased_always_on, as the OpenTelemetry SDKs.
  std::string sampler = "parentbased_always_on";
  std::string sampler_arg;
  // ERROR, INFO or DEBUG (--tracing-level, GUBER_TRACING_LEVEL). Default: INFO.
  std::string level = "INFO";
  // Queue, batching and retries. Default: see ExporterOptions.
  ExporterOptions exporter;
  // Longest one export request may take (connect, send, answer). Default: 10 s.
  absl::Duration export_timeout = absl::Seconds(10);
};

// The traces URL the options name; "" when tracing is off.
std::string TracesUrl(const TracingOptions& options);

// InvalidArgument naming the bad value (endpoint, sampler, ratio, level, sizes); OK when tracing
// is off.
absl::Status ValidateTracingOptions(const TracingOptions& options);

class Tracing {
 public:
  // Null when tracing is off; an error as ValidateTracingOptions. `registry` (may be null) gets
  // the exporter's metrics.
  static absl::StatusOr<std::unique_ptr<Tracing>> Create(const TracingOptions& options,
                                                         obs::Registry* registry);
  ~Tracing();

  const Tracer& tracer() const { return tracer_; }
  const BatchExporter& exporter() const { return *exporter_; }
  // Sends the spans still queued (one attempt) and stops the export thread. Idempotent.
  void Stop();

 private:
  Tracing(std::unique_ptr<BatchExporter> exporter, Sampler sampler, TracingLevel level)
      : exporter_(std::move(exporter)), tracer_(sampler, level, *exporter_) {}

  std::unique_ptr<BatchExporter> exporter_;
  Tracer tracer_;
};

}  // namespace sluice::trace
