#include "trace/tracer.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace sluice::trace {

absl::StatusOr<TracingLevel> ParseTracingLevel(std::string_view level) {
  const std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(std::string(level)));
  if (upper == "ERROR") return TracingLevel::kError;
  if (upper == "INFO") return TracingLevel::kInfo;
  if (upper == "DEBUG") return TracingLevel::kDebug;
  return absl::InvalidArgumentError(
      absl::StrCat("invalid tracing level '", std::string(level), "'; allowed: ERROR, INFO, DEBUG"));
}

std::string_view TracingLevelName(TracingLevel level) {
  switch (level) {
    case TracingLevel::kError:
      return "ERROR";
    case TracingLevel::kInfo:
      return "INFO";
    case TracingLevel::kDebug:
      return "DEBUG";
  }
  return "INFO";
}

Span Tracer::StartSpan(std::string_view name, SpanKind kind,
                       const std::optional<TraceContext>& parent, TracingLevel level) const {
  if (parent && !Enabled(level)) return Span(*parent);  // children attach to the parent
  TraceContext context;
  context.trace_id = parent ? parent->trace_id : NewTraceId();
  context.span_id = NewSpanId();
  context.sampled = sampler_.ShouldSample(parent, context.trace_id);
  if (parent) context.tracestate = parent->tracestate;
  if (!context.sampled || !Enabled(level)) return Span(std::move(context));
  auto data = std::make_unique<SpanData>();
  data->trace_id = context.trace_id;
  data->span_id = context.span_id;
  if (parent) data->parent_span_id = parent->span_id;
  data->tracestate = context.tracestate;
  data->name = std::string(name);
  data->kind = kind;
  data->start_ns = clock_.NowNanos();
  return Span(std::move(data), std::move(context), &sink_, &clock_);
}

Span Tracer::StartChild(std::string_view name, SpanKind kind, const Span& parent,
                        TracingLevel level) const {
  if (!parent.has_context()) return Span();
  return StartSpan(name, kind, parent.context(), level);
}

}  // namespace sluice::trace
