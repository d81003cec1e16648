// CallTrace: the spans of one door call (docs/operations.md "Tracing"): the door's server span,
// started from the caller's W3C headers; the routing span around Router::Route, whose context is
// active on the door's thread while Route runs, so the peer client forwards it to the owner; and
// at tracing level DEBUG one span per routed item.
//
// A door service makes one per call (Off() when tracing is off: every method is then a cheap
// no-op) and hands a pointer to its handler, which calls Route()/Routed() around the router.
// The service ends the door span with Finish() when it answers.
//
// Thread safety: used by one call at a time, which may move between threads.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "cluster/router.h"
#include "core/rate_limit.h"
#include "trace/active_context.h"
#include "trace/tracer.h"

namespace sluice::api {

class CallTrace {
 public:
  CallTrace() = default;  // tracing off
  // Starts the door span for `full_method` ("/pb.gubernator.V1/GetRateLimits") under the
  // caller's context (nullopt: none). `rpc_system` "grpc" or "http"; `tracer` may be null.
  CallTrace(const trace::Tracer* tracer, std::string_view full_method, std::string_view rpc_system,
            const std::optional<trace::TraceContext>& caller);

  bool on() const { return door_.has_context(); }
  bool recording() const { return door_.recording(); }
  trace::Span& door() { return door_; }
  // A child of the door span (the Envoy rules lookup), at `level`.
  trace::Span StartChild(std::string_view name, trace::TracingLevel level) const;

  // Starts the routing span (and per-item spans at DEBUG) for `requests`, just before they are
  // handed to the router, and makes its context active in `scope`: keep `scope` alive across the
  // Route call.
  void Route(const std::vector<core::RateLimitRequest>& requests,
             std::optional<trace::ScopedActiveContext>& scope);
  // Annotates and ends the routing and item spans with the router's answers.
  void Routed(const std::vector<cluster::RoutedResponse>& results);

  // Ends the door span: `items` answered, `errors` of them per-item errors; a failed call's
  // status marks the span failed.
  void Finish(size_t items, size_t errors, const absl::Status& status);

 private:
  const trace::Tracer* tracer_ = nullptr;
  trace::Span door_;
  trace::Span route_;
  std::vector<trace::Span> items_;
};

}  // namespace sluice::api
