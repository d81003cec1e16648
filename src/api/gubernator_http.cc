#include "api/gubernator_http.h"

#include <memory>

#include "api/json.h"
#include "api/status_mapping.h"

namespace sluice::api {
namespace {

HttpResponse JsonOrError(const absl::Status& status, const google::protobuf::Message& message) {
  HttpResponse resp;
  if (status.ok()) {
    resp.body = ToJson(message);
  } else {
    resp.status = HttpStatusFor(status.code());
    resp.body = GatewayErrorJson(status);
  }
  return resp;
}

}  // namespace

void AddGubernatorRoutes(HttpServer& server, GubernatorHandler& handler) {
  server.Route("POST", "/v1/GetRateLimits", [&handler](const HttpRequest& req, HttpRespond respond) {
    auto call = std::make_shared<std::pair<pb::gubernator::GetRateLimitsReq,
                                           pb::gubernator::GetRateLimitsResp>>();
    if (auto status = ParseJson(req.body, &call->first); !status.ok()) {
      respond(JsonOrError(status, call->second));
      return;
    }
    handler.GetRateLimits(call->first, &call->second,
                          [call, respond = std::move(respond)](absl::Status status) {
                            respond(JsonOrError(status, call->second));
                          });
  });
  server.Route("GET", "/v1/HealthCheck", [&handler](const HttpRequest&, HttpRespond respond) {
    pb::gubernator::HealthCheckResp health;
    auto status = handler.HealthCheck(&health);
    respond(JsonOrError(status, health));
  });
  server.Route("GET", "/v1/LiveCheck", [&handler](const HttpRequest&, HttpRespond respond) {
    respond(JsonOrError(handler.LiveCheck(), pb::gubernator::LiveCheckResp()));
  });
}

}  // namespace sluice::api
