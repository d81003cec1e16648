#include "api/envoy_service.h"

#include <memory>

#include "api/http_server.h"
#include "api/json.h"
#include "api/status_mapping.h"
#include "obs/timer.h"

namespace sluice::api {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;

EnvoyService::EnvoyService(EnvoyHandler& handler, const obs::Metrics& metrics)
    : handler_(handler),
      should_rate_limit_(metrics.Request(obs::Door::kEnvoy, obs::kMethodShouldRateLimit)) {
  SetMessageAllocatorFor_ShouldRateLimit(&should_rate_limit_allocator_);
}

grpc::ServerUnaryReactor* EnvoyService::ShouldRateLimit(grpc::CallbackServerContext* ctx,
                                                        const RateLimitRequest* req,
                                                        RateLimitResponse* resp) {
  auto* reactor = ctx->DefaultReactor();
  handler_.ShouldRateLimit(*req, resp,
                           [this, reactor, start = obs::SteadyClock::now()](absl::Status status) {
                             should_rate_limit_.Record(
                                 status.ok(), obs::SecondsBetween(start, obs::SteadyClock::now()));
                             reactor->Finish(ToGrpcStatus(status));
                           });
  return reactor;
}

void AddEnvoyJsonRoute(HttpServer& server, EnvoyHandler& handler, const obs::Metrics& metrics) {
  const auto& json = metrics.Request(obs::Door::kHttp, "/json");
  server.Route("POST", "/json", [&handler, &json](const HttpRequest& http, HttpRespond respond) {
    auto call = std::make_shared<std::pair<RateLimitRequest, RateLimitResponse>>();
    auto start = obs::SteadyClock::now();
    auto reply = [&json, start, respond = std::move(respond)](HttpResponse r) {
      json.Record(r.status < 500, obs::SecondsBetween(start, obs::SteadyClock::now()));
      respond(std::move(r));
    };
    if (absl::Status status = ParseJson(http.body, &call->first); !status.ok()) {
      reply(HttpResponse{.status = HttpStatusFor(status.code()), .body = GatewayErrorJson(status)});
      return;
    }
    handler.ShouldRateLimit(call->first, &call->second,
                            [call, reply = std::move(reply)](absl::Status status) {
                              if (!status.ok()) {
                                reply(HttpResponse{.status = HttpStatusFor(status.code()),
                                                   .body = GatewayErrorJson(status)});
                                return;
                              }
                              bool limited =
                                  call->second.overall_code() == RateLimitResponse::OVER_LIMIT;
                              reply(HttpResponse{.status = limited ? 429 : 200,
                                                 .body = ToJson(call->second)});
                            });
  });
}

}  // namespace sluice::api
