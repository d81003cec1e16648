#include "api/peers_service.h"

#include <vector>

#include "api/status_mapping.h"
#include "cluster/peer_wire.h"
#include "obs/timer.h"
#include "trace/active_context.h"
#include "trace/rpc_span.h"

namespace sluice::api {
namespace {

// Per-item spans (tracing level DEBUG) for a peer's batch, each under the context the forwarding
// node put in the item's metadata, else under `call`.
std::vector<trace::Span> StartItemSpans(const trace::Tracer& tracer, const trace::Span& call,
                                        const pb::gubernator::GetPeerRateLimitsReq& req) {
  std::vector<trace::Span> items;
  if (!call.recording() || !tracer.Enabled(trace::TracingLevel::kDebug)) return items;
  items.reserve(req.requests_size());
  for (const auto& r : req.requests()) {
    std::optional<trace::TraceContext> parent = call.context();
    if (auto it = r.metadata().find(trace::kTraceparentHeader); it != r.metadata().end()) {
      if (auto own = trace::ParseTraceparent(it->second)) parent = std::move(own);
    }
    trace::Span& item = items.emplace_back(tracer.StartSpan(
        "sluice.owner_item", trace::SpanKind::kInternal, parent, trace::TracingLevel::kDebug));
    item.SetAttribute("sluice.name", r.name());
    item.SetAttribute("sluice.unique_key", r.unique_key());
    item.SetAttribute("sluice.hits", static_cast<int64_t>(r.hits()));
  }
  return items;
}

}  // namespace

PeersService::PeersService(cluster::PeerHandler& handler, const core::Clock& clock,
                           const DoorMetrics& metrics, const trace::Tracer* tracer)
    : handler_(handler),
      clock_(clock),
      tracer_(tracer),
      get_peer_rate_limits_(metrics.Request(Door::kGrpc, kMethodGetPeerRateLimits)),
      update_peer_globals_(metrics.Request(Door::kGrpc, kMethodUpdatePeerGlobals)) {
  SetMessageAllocatorFor_GetPeerRateLimits(&get_peer_rate_limits_allocator_);
}

grpc::ServerUnaryReactor* PeersService::GetPeerRateLimits(
    grpc::CallbackServerContext* ctx, const pb::gubernator::GetPeerRateLimitsReq* req,
    pb::gubernator::GetPeerRateLimitsResp* resp) {
  auto* reactor = ctx->DefaultReactor();
  const auto start = obs::SteadyClock::now();
  trace::Span span = trace::StartRpcSpan(tracer_, kMethodGetPeerRateLimits,
                                         trace::SpanKind::kServer, trace::ExtractFromGrpc(*ctx),
                                         trace::TracingLevel::kError);
  span.SetAttribute("sluice.items", req->requests_size());
  if (req->requests_size() > cluster::kMaxPeerBatch) {
    span.SetError(kPeerBatchTooLarge);
    get_peer_rate_limits_.Record(false, obs::SecondsBetween(start, obs::SteadyClock::now()));
    reactor->Finish(ToGrpcStatus(absl::OutOfRangeError(kPeerBatchTooLarge)));
    return reactor;
  }
  std::vector<core::RateLimitRequest> requests;
  requests.reserve(req->requests_size());
  for (const auto& r : req->requests()) requests.push_back(cluster::FromProto(r));
  std::vector<trace::Span> items;
  if (tracer_ != nullptr) items = StartItemSpans(*tracer_, span, *req);
  std::vector<core::RateLimitResponse> answers;
  {
    trace::ScopedActiveContext active(span.context());  // log lines carry the trace id
    answers = handler_.GetPeerRateLimits(std::move(requests), clock_.NowMillis());
  }
  for (size_t i = 0; i < items.size() && i < answers.size(); ++i) {
    items[i].SetAttribute("sluice.over_limit", answers[i].status == core::Status::kOverLimit);
    items[i].SetAttribute("sluice.remaining", answers[i].remaining);
    if (!answers[i].error.empty()) items[i].SetError(answers[i].error);
    items[i].End();
  }
  resp->mutable_rate_limits()->Reserve(static_cast<int>(answers.size()));
  for (const auto& a : answers) cluster::ToProto(a, resp->add_rate_limits());
  get_peer_rate_limits_.Record(true, obs::SecondsBetween(start, obs::SteadyClock::now()));
  span.End();  // before the answer leaves: the caller's next step may look for it
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* PeersService::UpdatePeerGlobals(
    grpc::CallbackServerContext* ctx, const pb::gubernator::UpdatePeerGlobalsReq* req,
    pb::gubernator::UpdatePeerGlobalsResp*) {
  auto* reactor = ctx->DefaultReactor();
  const auto start = obs::SteadyClock::now();
  trace::Span span = trace::StartRpcSpan(tracer_, kMethodUpdatePeerGlobals,
                                         trace::SpanKind::kServer, trace::ExtractFromGrpc(*ctx),
                                         trace::TracingLevel::kError);
  span.SetAttribute("sluice.items", req->globals_size());
  std::vector<cluster::GlobalUpdate> updates;
  updates.reserve(req->globals_size());
  for (const auto& g : req->globals()) updates.push_back(cluster::FromProto(g));
  handler_.UpdatePeerGlobals(updates, clock_.NowMillis());
  update_peer_globals_.Record(true, obs::SecondsBetween(start, obs::SteadyClock::now()));
  span.End();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace sluice::api
