#include "api/gubernator_http.h"

#include <memory>

#include "api/gubernator_json.h"
#include "api/json.h"
#include "api/status_mapping.h"
#include "net/http_error.h"
#include "obs/exposition.h"
#include "obs/timer.h"

namespace sluice::api {
namespace {

net::HttpResponse ErrorResponse(const absl::Status& status) {
  return net::HttpResponse{.status = net::HttpStatusFor(status.code()), .body = net::GatewayErrorJson(status)};
}

net::HttpResponse JsonOrError(const absl::Status& status, const google::protobuf::Message& message) {
  if (!status.ok()) return ErrorResponse(status);
  return net::HttpResponse{.body = ToJson(message)};
}

// GetRateLimits is the gateway's hot path: its messages have their own fast codec.
net::HttpResponse GetRateLimitsJsonOrError(const absl::Status& status,
                                      const pb::gubernator::GetRateLimitsResp& resp) {
  if (!status.ok()) return ErrorResponse(status);
  return net::HttpResponse{.body = GetRateLimitsRespToJson(resp)};
}

// Wraps `respond` so the answer is counted and timed under `metrics`.
net::HttpRespond Recorded(const RequestMetrics& metrics, net::HttpRespond respond) {
  return [&metrics, start = obs::SteadyClock::now(), respond = std::move(respond)](net::HttpResponse r) {
    metrics.Record(r.status < 400, obs::SecondsBetween(start, obs::SteadyClock::now()));
    respond(std::move(r));
  };
}

}  // namespace

net::HttpHandler GetRateLimitsHttpHandler(GubernatorHandler& handler, const DoorMetrics& metrics,
                                          const trace::Tracer* tracer) {
  const auto& get_rate_limits = metrics.Request(Door::kHttp, kHttpGetRateLimits);
  return [&handler, &get_rate_limits, tracer](const net::HttpRequest& req,
                                              net::HttpRespond respond) {
    respond = Recorded(get_rate_limits, std::move(respond));
    struct Call {
      pb::gubernator::GetRateLimitsReq request;
      pb::gubernator::GetRateLimitsResp response;
      CallTrace trace;
    };
    auto call = std::make_shared<Call>();
    if (tracer) {
      call->trace = CallTrace(tracer, kMethodGetRateLimits, "http",
                              trace::ExtractTraceContext(req.traceparent, req.tracestate));
    }
    if (auto status = ParseGetRateLimitsReq(req.body, &call->request); !status.ok()) {
      call->trace.Finish(0, 0, status);
      respond(ErrorResponse(status));
      return;
    }
    handler.GetRateLimits(
        call->request, &call->response,
        [call, respond = std::move(respond)](absl::Status status) {
          FinishCallTrace(call->trace, call->response, status);
          respond(GetRateLimitsJsonOrError(status, call->response));
        },
        &call->trace);
  };
}

net::HttpHandler HealthCheckHttpHandler(GubernatorHandler& handler, const DoorMetrics& metrics) {
  const auto& health_check = metrics.Request(Door::kHttp, kHttpHealthCheck);
  return [&handler, &health_check](const net::HttpRequest&, net::HttpRespond respond) {
    respond = Recorded(health_check, std::move(respond));
    pb::gubernator::HealthCheckResp health;
    auto status = handler.HealthCheck(&health);
    respond(JsonOrError(status, health));
  };
}

net::HttpHandler LiveCheckHttpHandler(GubernatorHandler& handler, const DoorMetrics& metrics) {
  const auto& live_check = metrics.Request(Door::kHttp, kHttpLiveCheck);
  return [&handler, &live_check](const net::HttpRequest&, net::HttpRespond respond) {
    respond = Recorded(live_check, std::move(respond));
    respond(JsonOrError(handler.LiveCheck(), pb::gubernator::LiveCheckResp()));
  };
}

net::HttpHandler MetricsHttpHandler(const obs::Registry& registry, const DoorMetrics& metrics) {
  const auto& scrape = metrics.Request(Door::kHttp, kHttpMetrics);
  return [&registry, &scrape](const net::HttpRequest&, net::HttpRespond respond) {
    auto start = obs::SteadyClock::now();
    net::HttpResponse resp{.content_type = std::string(obs::kExpositionContentType),
                           .body = registry.Render()};
    scrape.Record(true, obs::SecondsBetween(start, obs::SteadyClock::now()));
    respond(std::move(resp));
  };
}

}  // namespace sluice::api
