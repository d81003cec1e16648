#include "api/gubernator_service.h"

#include "api/status_mapping.h"
#include "obs/timer.h"

namespace sluice::api {

GubernatorService::GubernatorService(GubernatorHandler& handler, const obs::Metrics& metrics)
    : handler_(handler),
      get_rate_limits_(metrics.Request(obs::Door::kGrpc, obs::kMethodGetRateLimits)),
      health_check_(metrics.Request(obs::Door::kGrpc, obs::kMethodHealthCheck)),
      live_check_(metrics.Request(obs::Door::kGrpc, obs::kMethodLiveCheck)) {
  SetMessageAllocatorFor_GetRateLimits(&get_rate_limits_allocator_);
}

grpc::ServerUnaryReactor* GubernatorService::GetRateLimits(
    grpc::CallbackServerContext* ctx, const pb::gubernator::GetRateLimitsReq* req,
    pb::gubernator::GetRateLimitsResp* resp) {
  auto* reactor = ctx->DefaultReactor();
  handler_.GetRateLimits(*req, resp,
                         [reactor, start = obs::SteadyClock::now(), this](absl::Status status) {
                           get_rate_limits_.Record(
                               status.ok(), obs::SecondsBetween(start, obs::SteadyClock::now()));
                           reactor->Finish(ToGrpcStatus(status));
                         });
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
