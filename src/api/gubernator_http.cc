#include "api/gubernator_http.h"

#include <memory>

#include "api/gubernator_json.h"
#include "api/json.h"
#include "api/status_mapping.h"
#include "obs/exposition.h"
#include "obs/timer.h"

namespace sluice::api {
namespace {

HttpResponse ErrorResponse(const absl::Status& status) {
  return HttpResponse{.status = HttpStatusFor(status.code()), .body = GatewayErrorJson(status)};
}

HttpResponse JsonOrError(const absl::Status& status, const google::protobuf::Message& message) {
  if (!status.ok()) return ErrorResponse(status);
  return HttpResponse{.body = ToJson(message)};
}

// GetRateLimits is the gateway's hot path: its messages have their own fast codec.
HttpResponse GetRateLimitsJsonOrError(const absl::Status& status,
                                      const pb::gubernator::GetRateLimitsResp& resp) {
  if (!status.ok()) return ErrorResponse(status);
  return HttpResponse{.body = GetRateLimitsRespToJson(resp)};
}

// Wraps `respond` so the answer is counted and timed under `metrics`.
HttpRespond Recorded(const obs::RequestMetrics& metrics, HttpRespond respond) {
  return [&metrics, start = obs::SteadyClock::now(), respond = std::move(respond)](HttpResponse r) {
    metrics.Record(r.status < 400, obs::SecondsBetween(start, obs::SteadyClock::now()));
    respond(std::move(r));
  };
}

}  // namespace

void AddGubernatorRoutes(HttpServer& server, GubernatorHandler& handler,
                         const obs::Metrics& metrics) {
  const auto& get_rate_limits = metrics.Request(obs::Door::kHttp, obs::kHttpGetRateLimits);
  server.Route("POST", "/v1/GetRateLimits", [&handler, &get_rate_limits](const HttpRequest& req,
                                                                         HttpRespond respond) {
    respond = Recorded(get_rate_limits, std::move(respond));
    auto call = std::make_shared<std::pair<pb::gubernator::GetRateLimitsReq,
                                           pb::gubernator::GetRateLimitsResp>>();
    if (auto status = ParseGetRateLimitsReq(req.body, &call->first); !status.ok()) {
      respond(ErrorResponse(status));
      return;
    }
    handler.GetRateLimits(call->first, &call->second,
                          [call, respond = std::move(respond)](absl::Status status) {
                            respond(GetRateLimitsJsonOrError(status, call->second));
                          });
  });
  AddHealthRoutes(server, handler, metrics);
}

void AddHealthRoutes(HttpServer& server, GubernatorHandler& handler,
                     const obs::Metrics& metrics) {
  const auto& health_check = metrics.Request(obs::Door::kHttp, obs::kHttpHealthCheck);
  const auto& live_check = metrics.Request(obs::Door::kHttp, obs::kHttpLiveCheck);
  server.Route("GET", "/v1/HealthCheck", [&handler, &health_check](const HttpRequest&,
                                                                    HttpRespond respond) {
    respond = Recorded(health_check, std::move(respond));
    pb::gubernator::HealthCheckResp health;
    auto status = handler.HealthCheck(&health);
    respond(JsonOrError(status, health));
  });
  server.Route("GET", "/v1/LiveCheck", [&handler, &live_check](const HttpRequest&,
                                                                HttpRespond respond) {
    respond = Recorded(live_check, std::move(respond));
    respond(JsonOrError(handler.LiveCheck(), pb::gubernator::LiveCheckResp()));
  });
}

void AddMetricsRoute(HttpServer& server, const obs::Registry& registry,
                     const obs::Metrics& metrics) {
  const auto& scrape = metrics.Request(obs::Door::kHttp, obs::kHttpMetrics);
  server.Route("GET", "/metrics", [&registry, &scrape](const HttpRequest&, HttpRespond respond) {
    auto start = obs::SteadyClock::now();
    HttpResponse resp{.content_type = std::string(obs::kExpositionContentType),
                      .body = registry.Render()};
    scrape.Record(true, obs::SecondsBetween(start, obs::SteadyClock::now()));
    respond(std::move(resp));
  });
}

}  // namespace sluice::api
