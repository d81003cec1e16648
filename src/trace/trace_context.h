// TraceContext: the W3C Trace Context of one span (https://www.w3.org/TR/trace-context/) — the
// trace id, the span id, the sampled flag and the vendor `tracestate` — and the strict parsing
// and formatting of its two headers:
//
//   traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>
//   tracestate:  key=value,key=value (at most 32 members)
//
// Parsing follows the specification's rules for a receiver: lowercase hex only, no all-zero ids,
// version ff rejected, a future version accepted when its first four fields parse (and anything
// after them starts with '-'). A malformed traceparent is no context at all (a new trace starts);
// a malformed tracestate is dropped while the traceparent is kept.
//
// Thread safety: value types and pure functions; NewTraceId/NewSpanId use a per-thread generator.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::trace {

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

struct TraceContext {
  TraceId trace_id{};
  SpanId span_id{};
  bool sampled = false;
  std::string tracestate;  // validated, or empty

  bool valid() const;  // both ids non-zero
};

// The header names, lowercase as gRPC metadata requires.
inline constexpr char kTraceparentHeader[] = "traceparent";
inline constexpr char kTracestateHeader[] = "tracestate";

// The context of a `traceparent` value; nullopt when it is malformed.
std::optional<TraceContext> ParseTraceparent(std::string_view header);

// Whether `header` is a well-formed `tracestate` list (empty members between commas are allowed,
// as the specification says; at most 32 members, keys unique).
bool ValidTracestate(std::string_view header);

// Both headers as a receiver reads them: nullopt when the traceparent is missing or malformed;
// an invalid tracestate is left out of the context.
std::optional<TraceContext> ExtractTraceContext(std::string_view traceparent,
                                                std::string_view tracestate);

// The version-00 `traceparent` of `context`.
std::string FormatTraceparent(const TraceContext& context);

// Lowercase hex of an id.
std::string ToHex(const TraceId& id);
std::string ToHex(const SpanId& id);

// Fresh random, non-zero ids.
TraceId NewTraceId();
SpanId NewSpanId();

}  // namespace sluice::trace
