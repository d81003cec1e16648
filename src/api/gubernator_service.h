// The gRPC face of the Gubernator door: pb.gubernator.V1 on the callback API. Handlers never
// block a gRPC thread: each call finishes from the Router's completion, inline or later.
//
// GetRateLimits is a raw method: the request is parsed here onto a per-call arena
// (api/raw_message.h), so a frame gRPC could not read or bytes that are not a GetRateLimitsReq
// get INTERNAL with a message, as from Gubernator, instead of UNIMPLEMENTED or an empty answer.
//
// Thread safety: gRPC calls these from its own threads, concurrently.
#pragma once

#include "api/arena_message_allocator.h"
#include "api/gubernator_handler.h"
#include "gubernator.grpc.pb.h"
#include "api/door_metrics.h"

namespace sluice::api {

// One GetRateLimits call's messages, alive until the call finishes: one allocation per call.
struct GubernatorCall {
  CallArena arena;
  CallTrace trace;
  pb::gubernator::GetRateLimitsReq* request =
      google::protobuf::Arena::CreateMessage<pb::gubernator::GetRateLimitsReq>(arena.get());
  pb::gubernator::GetRateLimitsResp* response =
      google::protobuf::Arena::CreateMessage<pb::gubernator::GetRateLimitsResp>(arena.get());
};

class GubernatorService final
    : public pb::gubernator::V1::WithRawCallbackMethod_GetRateLimits<
          pb::gubernator::V1::CallbackService> {
 public:
  // `tracer` (may be null) traces each GetRateLimits call from its traceparent metadata.
  GubernatorService(GubernatorHandler& handler, const DoorMetrics& metrics,
                    const trace::Tracer* tracer = nullptr);

  grpc::ServerUnaryReactor* GetRateLimits(grpc::CallbackServerContext* ctx,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* HealthCheck(grpc::CallbackServerContext* ctx,
                                        const pb::gubernator::HealthCheckReq* req,
                                        pb::gubernator::HealthCheckResp* resp) override;
  grpc::ServerUnaryReactor* LiveCheck(grpc::CallbackServerContext* ctx,
                                      const pb::gubernator::LiveCheckReq* req,
                                      pb::gubernator::LiveCheckResp* resp) override;

 private:
  GubernatorHandler& handler_;
  const trace::Tracer* const tracer_;
  // Resolved once: recording is then lock-free and allocation-free.
  const RequestMetrics& get_rate_limits_;
  const RequestMetrics& health_check_;
  const RequestMetrics& live_check_;
};

}  // namespace sluice::api
