// The gRPC face of the Envoy door: envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit
// on the callback API, served on the same server and port as the Gubernator services.
//
// Thread safety: gRPC calls it from its own threads, concurrently.
#pragma once

#include "api/arena_message_allocator.h"
#include "api/envoy_handler.h"
#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "obs/sluice_metrics.h"

namespace sluice::api {

class EnvoyService final
    : public envoy::service::ratelimit::v3::RateLimitService::CallbackService {
 public:
  EnvoyService(EnvoyHandler& handler, const obs::Metrics& metrics);

  grpc::ServerUnaryReactor* ShouldRateLimit(
      grpc::CallbackServerContext* ctx,
      const envoy::service::ratelimit::v3::RateLimitRequest* req,
      envoy::service::ratelimit::v3::RateLimitResponse* resp) override;

 private:
  EnvoyHandler& handler_;
  const obs::RequestMetrics& should_rate_limit_;
  ArenaMessageAllocator<envoy::service::ratelimit::v3::RateLimitRequest,
                        envoy::service::ratelimit::v3::RateLimitResponse>
      should_rate_limit_allocator_;
};

// POST /json: the proto3-JSON RateLimitRequest, answered with the JSON RateLimitResponse and
// HTTP 200 when allowed, 429 when limited (as envoyproxy/ratelimit's /json).
void AddEnvoyJsonRoute(class HttpServer& server, EnvoyHandler& handler,
                       const obs::Metrics& metrics);

}  // namespace sluice::api
