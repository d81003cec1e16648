#include "trace/tracing.h"

#include <utility>

#include "obs/logging.h"
#include "spdlog/spdlog.h"
#include "trace/active_context.h"
#include "trace/otlp_http_transport.h"

namespace sluice::trace {

std::string TracesUrl(const TracingOptions& options) {
  return TracesUrl(options.endpoint, options.traces_endpoint);
}

absl::Status ValidateTracingOptions(const TracingOptions& options) {
  const std::string url = TracesUrl(options);
  if (url.empty()) return absl::OkStatus();
  if (absl::StatusOr<HttpUrl> parsed = ParseHttpUrl(url); !parsed.ok()) return parsed.status();
  if (absl::StatusOr<Sampler> sampler = Sampler::FromConfig(options.sampler, options.sampler_arg);
      !sampler.ok()) {
    return sampler.status();
  }
  if (absl::StatusOr<TracingLevel> level = ParseTracingLevel(options.level); !level.ok()) {
    return level.status();
  }
  if (options.service_name.empty()) return absl::InvalidArgumentError("service name is empty");
  const ExporterOptions& e = options.exporter;
  if (e.max_queue == 0 || e.max_batch == 0 || e.max_attempts < 1) {
    return absl::InvalidArgumentError("trace queue, batch size and attempts must be >= 1");
  }
  if (options.export_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("trace export timeout must be > 0");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Tracing>> Tracing::Create(const TracingOptions& options,
                                                         obs::Registry* registry) {
  if (absl::Status valid = ValidateTracingOptions(options); !valid.ok()) return valid;
  const std::string url = TracesUrl(options);
  if (url.empty()) return std::unique_ptr<Tracing>();
  auto transport = OtlpHttpTransport::Create(url, options.export_timeout);
  if (!transport.ok()) return transport.status();
  std::vector<Attribute> resource = {{"service.name", options.service_name},
                                     {"telemetry.sdk.name", std::string("sluice")},
                                     {"telemetry.sdk.language", std::string("cpp")}};
  if (!options.instance_id.empty()) {
    resource.push_back({"service.instance.id", options.instance_id});
  }
  auto exporter = std::make_unique<BatchExporter>(std::move(resource), *std::move(transport),
                                                  options.exporter, registry);
  const Sampler sampler = *Sampler::FromConfig(options.sampler, options.sampler_arg);
  const TracingLevel level = *ParseTracingLevel(options.level);
  obs::SetLogTraceIdSource(&ActiveTraceIdHex);
  spdlog::info("tracing: exporting to {} (sampler {}{}{}, level {})", url, options.sampler,
               options.sampler_arg.empty() ? "" : " ", options.sampler_arg,
               TracingLevelName(level));
  return std::unique_ptr<Tracing>(new Tracing(std::move(exporter), sampler, level));
}

Tracing::~Tracing() { Stop(); }

void Tracing::Stop() { exporter_->Stop(); }

}  // namespace sluice::trace
