#include "api/call_trace.h"

#include <string>

#include "trace/rpc_span.h"

namespace sluice::api {

CallTrace::CallTrace(const trace::Tracer* tracer, std::string_view full_method,
                     std::string_view rpc_system, const std::optional<trace::TraceContext>& caller)
    : tracer_(tracer),
      door_(trace::StartRpcSpan(tracer, full_method, trace::SpanKind::kServer, caller,
                                trace::TracingLevel::kError, rpc_system)) {}

trace::Span CallTrace::StartChild(std::string_view name, trace::TracingLevel level) const {
  if (!on()) return trace::Span();
  return tracer_->StartChild(name, trace::SpanKind::kInternal, door_, level);
}

void CallTrace::Route(const std::vector<core::RateLimitRequest>& requests,
                      std::optional<trace::ScopedActiveContext>& scope) {
  if (!on()) return;
  route_ = tracer_->StartChild("sluice.route", trace::SpanKind::kInternal, door_);
  route_.SetAttribute("sluice.items", requests.size());
  if (route_.recording() && tracer_->Enabled(trace::TracingLevel::kDebug)) {
    items_.reserve(requests.size());
    for (const core::RateLimitRequest& r : requests) {
      trace::Span& item = items_.emplace_back(tracer_->StartChild(
          "sluice.item", trace::SpanKind::kInternal, route_, trace::TracingLevel::kDebug));
      item.SetAttribute("sluice.name", r.name);
      item.SetAttribute("sluice.unique_key", r.unique_key);
      item.SetAttribute("sluice.hits", r.hits);
      item.SetAttribute("sluice.limit", r.limit);
      item.SetAttribute("sluice.duration_ms", r.duration);
      item.SetAttribute("sluice.algorithm", static_cast<int64_t>(r.algorithm));
      item.SetAttribute("sluice.behavior", static_cast<int64_t>(r.behavior));
    }
  }
  scope.emplace(route_.context());
}

void CallTrace::Routed(const std::vector<cluster::RoutedResponse>& results) {
  if (!route_.recording()) return;
  size_t local = 0, forwarded = 0, replica = 0;
  std::string owner;
  for (size_t i = 0; i < results.size(); ++i) {
    const cluster::RoutedResponse& r = results[i];
    if (r.owner.empty()) {
      ++local;
    } else if (r.from_replica) {
      ++replica;
    } else {
      ++forwarded;
    }
    if (owner.empty()) owner = r.owner.empty() ? "self" : r.owner;
    if (i < items_.size()) {
      trace::Span& item = items_[i];
      item.SetAttribute("sluice.owner", r.owner.empty() ? std::string_view("self") : std::string_view(r.owner));
      item.SetAttribute("sluice.over_limit", r.response.status == core::Status::kOverLimit);
      item.SetAttribute("sluice.remaining", r.response.remaining);
      if (!r.response.error.empty()) item.SetError(r.response.error);
      item.End();
    }
  }
  route_.SetAttribute("sluice.owner", owner);  // the first item's; see the counts for the rest
  route_.SetAttribute("sluice.local", local);
  route_.SetAttribute("sluice.forwarded", forwarded);
  route_.SetAttribute("sluice.global_replica", replica);
  route_.End();
  items_.clear();
}

void CallTrace::Finish(size_t items, size_t errors, const absl::Status& status) {
  if (!door_.recording()) return;
  door_.SetAttribute("sluice.items", items);
  door_.SetAttribute("sluice.errors", errors);
  if (!status.ok()) {
    door_.SetAttribute("rpc.grpc.status_code", static_cast<int64_t>(status.code()));
    door_.SetError(std::string(status.message()));
  }
  door_.End();
}

}  // namespace sluice::api
