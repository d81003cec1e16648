// The gRPC face of the Gubernator door: pb.gubernator.V1 on the callback API. Handlers never
// block a gRPC thread: each call finishes from the Router's completion, inline or later.
//
// Thread safety: gRPC calls these from its own threads, concurrently.
#pragma once

#include "api/arena_message_allocator.h"
#include "api/gubernator_handler.h"
#include "gubernator.grpc.pb.h"
#include "obs/sluice_metrics.h"

namespace sluice::api {

class GubernatorService final : public pb::gubernator::V1::CallbackService {
 public:
  GubernatorService(GubernatorHandler& handler, const obs::Metrics& metrics);

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
  ArenaMessageAllocator<pb::gubernator::GetRateLimitsReq, pb::gubernator::GetRateLimitsResp>
      get_rate_limits_allocator_;
  // Resolved once: recording is then lock-free and allocation-free.
  const obs::RequestMetrics& get_rate_limits_;
  const obs::RequestMetrics& health_check_;
  const obs::RequestMetrics& live_check_;
};

}  // namespace sluice::api
