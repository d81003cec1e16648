#include "api/gubernator_service.h"

#include "api/status_mapping.h"

namespace sluice::api {

grpc::ServerUnaryReactor* GubernatorService::GetRateLimits(
    grpc::CallbackServerContext* ctx, const pb::gubernator::GetRateLimitsReq* req,
    pb::gubernator::GetRateLimitsResp* resp) {
  auto* reactor = ctx->DefaultReactor();
  handler_.GetRateLimits(*req, resp, [reactor](absl::Status status) {
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* GubernatorService::HealthCheck(grpc::CallbackServerContext* ctx,
                                                         const pb::gubernator::HealthCheckReq*,
                                                         pb::gubernator::HealthCheckResp* resp) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(handler_.HealthCheck(resp)));
  return reactor;
}

grpc::ServerUnaryReactor* GubernatorService::LiveCheck(grpc::CallbackServerContext* ctx,
                                                       const pb::gubernator::LiveCheckReq*,
                                                       pb::gubernator::LiveCheckResp*) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(handler_.LiveCheck()));
  return reactor;
}

}  // namespace sluice::api
