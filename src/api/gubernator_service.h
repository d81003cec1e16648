// The gRPC face of the Gubernator door: pb.gubernator.V1 on the callback API. Handlers never
// block a gRPC thread: each call finishes from the Router's completion, inline or later.
//
// Thread safety: gRPC calls these from its own threads, concurrently.
#pragma once

#include "api/gubernator_handler.h"
#include "gubernator.grpc.pb.h"

namespace sluice::api {

class GubernatorService final : public pb::gubernator::V1::CallbackService {
 public:
  explicit GubernatorService(GubernatorHandler& handler) : handler_(handler) {}

  grpc::ServerUnaryReactor* GetRateLimits(grpc::CallbackServerContext* ctx,
                                          const pb::gubernator::GetRateLimitsReq* req,
                                          pb::gubernator::GetRateLimitsResp* resp) override;
  grpc::ServerUnaryReactor* HealthCheck(grpc::CallbackServerContext* ctx,
                                        const pb::gubernator::HealthCheckReq* req,
                                        pb::gubernator::HealthCheckResp* resp) override;
  grpc::ServerUnaryReactor* LiveCheck(grpc::CallbackServerContext* ctx,
                                      const pb::gubernator::LiveCheckReq* req,
                                      pb::gubernator::LiveCheckResp* resp) override;

 private:
  GubernatorHandler& handler_;
};

}  // namespace sluice::api
