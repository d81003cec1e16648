// The gRPC face of the Envoy door: envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit
// on the callback API, served on the same server and port as the Gubernator services.
//
// A raw method: the request is parsed here onto a per-call arena, and the answer goes out as
// wire bytes written directly from EnvoyAnswer (api/envoy_wire.h), with no generated response
// message in between.
//
// Thread safety: gRPC calls it from its own threads, concurrently.
#pragma once

#include "api/arena_message_allocator.h"
#include "api/envoy_handler.h"
#include "net/http_server.h"
#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "api/door_metrics.h"

namespace sluice::api {

// One ShouldRateLimit call's parsed request and its answer, alive until the call finishes: one
// allocation per call, as ArenaMessageAllocator's holder is for the typed methods.
struct EnvoyCall {
  CallArena arena;
  envoy::service::ratelimit::v3::RateLimitRequest* request =
      google::protobuf::Arena::CreateMessage<envoy::service::ratelimit::v3::RateLimitRequest>(
          arena.get());
  EnvoyAnswer answer;
  CallTrace trace;
};

// Parses a raw ShouldRateLimit request into `out`; false when the bytes are not a
// RateLimitRequest.
bool ParseEnvoyRequest(const grpc::ByteBuffer& request,
                       envoy::service::ratelimit::v3::RateLimitRequest* out);

class EnvoyService final
    : public envoy::service::ratelimit::v3::RateLimitService::WithRawCallbackMethod_ShouldRateLimit<
          envoy::service::ratelimit::v3::RateLimitService::Service> {
 public:
  // `tracer` (may be null) traces each call from its traceparent metadata.
  EnvoyService(EnvoyHandler& handler, const DoorMetrics& metrics,
               const trace::Tracer* tracer = nullptr);

  // A request that does not parse as a RateLimitRequest is answered INVALID_ARGUMENT.
  grpc::ServerUnaryReactor* ShouldRateLimit(grpc::CallbackServerContext* ctx,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;

 private:
  EnvoyHandler& handler_;
  const trace::Tracer* const tracer_;
  const RequestMetrics& should_rate_limit_;
};

// POST /json: the proto3-JSON RateLimitRequest, answered with the JSON RateLimitResponse and
// HTTP 200 when allowed, 429 when limited (as envoyproxy/ratelimit's /json).
net::HttpHandler EnvoyJsonHttpHandler(EnvoyHandler& handler, const DoorMetrics& metrics,
                                      const trace::Tracer* tracer = nullptr);

}  // namespace sluice::api
