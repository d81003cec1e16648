#include "api/gubernator_service.h"

#include <memory>

#include "api/raw_message.h"
#include "api/status_mapping.h"
#include "obs/timer.h"
#include "trace/rpc_span.h"

namespace sluice::api {

GubernatorService::GubernatorService(GubernatorHandler& handler, const DoorMetrics& metrics,
                                     const trace::Tracer* tracer)
    : handler_(handler),
      tracer_(tracer),
      get_rate_limits_(metrics.Request(Door::kGrpc, kMethodGetRateLimits)),
      health_check_(metrics.Request(Door::kGrpc, kMethodHealthCheck)),
      live_check_(metrics.Request(Door::kGrpc, kMethodLiveCheck)) {}

grpc::ServerUnaryReactor* GubernatorService::GetRateLimits(grpc::CallbackServerContext* ctx,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  const auto start = obs::SteadyClock::now();
  auto* reactor = ctx->DefaultReactor();
  auto call = std::make_unique<GubernatorCall>();
  if (tracer_) {
    call->trace = CallTrace(tracer_, kMethodGetRateLimits, "grpc", trace::ExtractFromGrpc(*ctx));
  }
  if (absl::Status parsed = ParseRawRequest(*request, call->request); !parsed.ok()) {
    call->trace.Finish(0, 0, parsed);
    get_rate_limits_.Record(false, obs::SecondsBetween(start, obs::SteadyClock::now()));
    reactor->Finish(ToGrpcStatus(parsed));
    return reactor;
  }
  GubernatorCall& c = *call;
  handler_.GetRateLimits(
      *c.request, c.response,
      [this, reactor, response, start, call = std::move(call)](absl::Status status) {
        FinishCallTrace(call->trace, *call->response, status);
        if (status.ok()) *response = SerializeRaw(*call->response);
        get_rate_limits_.Record(status.ok(), obs::SecondsBetween(start, obs::SteadyClock::now()));
        reactor->Finish(ToGrpcStatus(status));
      },
      &c.trace);
  return reactor;
}

grpc::ServerUnaryReactor* GubernatorService::HealthCheck(grpc::CallbackServerContext* ctx,
                                                         const pb::gubernator::HealthCheckReq*,
                                                         pb::gubernator::HealthCheckResp* resp) {
  auto* reactor = ctx->DefaultReactor();
  auto start = obs::SteadyClock::now();
  absl::Status status = handler_.HealthCheck(resp);
  health_check_.Record(status.ok(), obs::SecondsBetween(start, obs::SteadyClock::now()));
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* GubernatorService::LiveCheck(grpc::CallbackServerContext* ctx,
                                                       const pb::gubernator::LiveCheckReq*,
                                                       pb::gubernator::LiveCheckResp*) {
  auto* reactor = ctx->DefaultReactor();
  auto start = obs::SteadyClock::now();
  absl::Status status = handler_.LiveCheck();
  live_check_.Record(status.ok(), obs::SecondsBetween(start, obs::SteadyClock::now()));
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace sluice::api
