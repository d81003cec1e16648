#include "api/envoy_service.h"

#include <memory>

#include "api/envoy_wire.h"
#include "net/http_server.h"
#include "api/json.h"
#include "api/raw_message.h"
#include "api/status_mapping.h"
#include "trace/rpc_span.h"
#include "net/http_error.h"
#include "obs/timer.h"

namespace sluice::api {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;

bool ParseEnvoyRequest(const grpc::ByteBuffer& request, RateLimitRequest* out) {
  return ParseRawRequest(request, out).ok();
}

EnvoyService::EnvoyService(EnvoyHandler& handler, const DoorMetrics& metrics,
                           const trace::Tracer* tracer)
    : handler_(handler),
      tracer_(tracer),
      should_rate_limit_(metrics.Request(Door::kEnvoy, kMethodShouldRateLimit)) {}

grpc::ServerUnaryReactor* EnvoyService::ShouldRateLimit(grpc::CallbackServerContext* ctx,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  const auto start = obs::SteadyClock::now();
  auto* reactor = ctx->DefaultReactor();
  auto call = std::make_unique<EnvoyCall>();
  if (tracer_) {
    call->trace = CallTrace(tracer_, kMethodShouldRateLimit, "grpc", trace::ExtractFromGrpc(*ctx));
  }
  if (!ParseEnvoyRequest(*request, call->request)) {
    call->trace.Finish(0, 0, absl::InvalidArgumentError("not a RateLimitRequest"));
    should_rate_limit_.Record(false, obs::SecondsBetween(start, obs::SteadyClock::now()));
    reactor->Finish(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        "request is not a valid envoy.service.ratelimit.v3.RateLimitRequest"));
    return reactor;
  }
  EnvoyCall& c = *call;
  handler_.ShouldRateLimit(
      *c.request, &c.answer,
      [this, reactor, response, start, call = std::move(call)](absl::Status status) {
        call->trace.Finish(call->answer.statuses.size(), 0, status);
        if (status.ok()) *response = EnvoyWireBuffer(call->answer);
        should_rate_limit_.Record(status.ok(),
                                  obs::SecondsBetween(start, obs::SteadyClock::now()));
        reactor->Finish(ToGrpcStatus(status));
      },
      &c.trace);
  return reactor;
}

net::HttpHandler EnvoyJsonHttpHandler(EnvoyHandler& handler, const DoorMetrics& metrics,
                                      const trace::Tracer* tracer) {
  const auto& json = metrics.Request(Door::kHttp, kHttpEnvoyJson);
  return [&handler, &json, tracer](const net::HttpRequest& http, net::HttpRespond respond) {
    struct Call {
      RateLimitRequest first;
      RateLimitResponse second;
      CallTrace trace;
    };
    auto call = std::make_shared<Call>();
    if (tracer) {
      call->trace = CallTrace(tracer, kMethodShouldRateLimit, "http",
                              trace::ExtractTraceContext(http.traceparent, http.tracestate));
    }
    auto start = obs::SteadyClock::now();
    auto reply = [&json, start, respond = std::move(respond)](net::HttpResponse r) {
      json.Record(r.status < 500, obs::SecondsBetween(start, obs::SteadyClock::now()));
      respond(std::move(r));
    };
    if (absl::Status status = ParseJson(http.body, &call->first); !status.ok()) {
      call->trace.Finish(0, 0, status);
      reply(net::HttpResponse{.status = net::HttpStatusFor(status.code()), .body = net::GatewayErrorJson(status)});
      return;
    }
    handler.ShouldRateLimit(call->first, &call->second,
                            [call, reply = std::move(reply)](absl::Status status) {
                              call->trace.Finish(call->second.statuses_size(), 0, status);
                              if (!status.ok()) {
                                reply(net::HttpResponse{.status = net::HttpStatusFor(status.code()),
                                                   .body = net::GatewayErrorJson(status)});
                                return;
                              }
                              bool limited =
                                  call->second.overall_code() == RateLimitResponse::OVER_LIMIT;
                              reply(net::HttpResponse{.status = limited ? 429 : 200,
                                                 .body = ToJson(call->second)});
                            },
                            &call->trace);
  };
}

}  // namespace sluice::api
