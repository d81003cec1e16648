// Tracer: starts spans for one process — applies the sampler and the tracing level, stamps the
// times from the injected clock and sends ended spans to the sink (the exporter).
//
// Tracing levels are Gubernator's GUBER_TRACING_LEVEL values: ERROR records only the spans at
// process boundaries (door calls and peer calls, so a trace still crosses nodes), INFO (the
// default) adds routing, forward batches and rules lookups, DEBUG adds a span per request item.
// A span above the level is not recorded; its children attach to its parent.
//
// Thread safety: immutable after construction; StartSpan may be called from any thread. The sink
// and the clock must outlive the tracer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "trace/sampler.h"
#include "trace/span.h"
#include "trace/trace_context.h"

namespace sluice::trace {

enum class TracingLevel { kError = 0, kInfo = 1, kDebug = 2 };

// ERROR, INFO or DEBUG, case-insensitive; InvalidArgument naming them otherwise.
absl::StatusOr<TracingLevel> ParseTracingLevel(std::string_view level);
std::string_view TracingLevelName(TracingLevel level);

class Tracer {
 public:
  Tracer(Sampler sampler, TracingLevel level, SpanSink& sink,
         const NanoClock& clock = SystemNanoClock::Instance())
      : sampler_(sampler), level_(level), sink_(sink), clock_(clock) {}

  // Starts a span under `parent` (nullopt: a new trace, sampled by the sampler; a parent's
  // sampled flag decides under the parent-based samplers). A span whose `level` is above the
  // tracer's, or that is not sampled, does not record but carries a context to propagate.
  Span StartSpan(std::string_view name, SpanKind kind, const std::optional<TraceContext>& parent,
                 TracingLevel level = TracingLevel::kInfo) const;
  // A child of `parent`'s context; an empty Span when `parent` has none.
  Span StartChild(std::string_view name, SpanKind kind, const Span& parent,
                  TracingLevel level = TracingLevel::kInfo) const;

  bool Enabled(TracingLevel level) const { return level <= level_; }
  const NanoClock& clock() const { return clock_; }

 private:
  const Sampler sampler_;
  const TracingLevel level_;
  SpanSink& sink_;
  const NanoClock& clock_;
};

}  // namespace sluice::trace
