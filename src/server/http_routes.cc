#include "server/http_routes.h"

#include "api/admin_http.h"
#include "api/envoy_service.h"
#include "api/gubernator_http.h"
#include "mesh/mesh_http.h"
#include "server/status_http.h"

namespace sluice::server {

void AddNodeRoutes(net::HttpServer& server, const HttpRouteTargets& t) {
  server.Route("POST", "/v1/GetRateLimits", api::GetRateLimitsHttpHandler(t.gubernator, t.metrics, t.tracer));
  AddStatusRoutes(server, t);
  server.Route("GET", "/metrics", api::MetricsHttpHandler(t.registry, t.metrics));
  server.Route("POST", "/json", api::EnvoyJsonHttpHandler(t.envoy, t.metrics, t.tracer));
  if (t.status != nullptr) {
    server.Route("GET", "/", StatusPageHttpHandler());
    server.Route("GET", "/status.json",
                 StatusJsonHttpHandler(*t.status, core::SystemClock::Instance()));
  }
  if (t.admin != nullptr) {
    server.Route("GET", "/v1/admin/counters",
                 api::AdminHttpHandler(*t.admin, t.admin_client_cns, /*reset=*/false));
    server.Route("POST", "/v1/admin/reset",
                 api::AdminHttpHandler(*t.admin, t.admin_client_cns, /*reset=*/true));
  }
  if (t.mesh != nullptr) {
    server.Route("GET", "/v1/mesh/stats", mesh::MeshStatsHttpHandler(*t.mesh));
    if (t.mesh_test_hooks) server.Route("POST", "/v1/mesh/deny", mesh::MeshDenyHttpHandler(*t.mesh));
  }
}

void AddStatusRoutes(net::HttpServer& server, const HttpRouteTargets& t) {
  server.Route("GET", "/v1/HealthCheck", api::HealthCheckHttpHandler(t.gubernator, t.metrics));
  server.Route("GET", "/v1/LiveCheck", api::LiveCheckHttpHandler(t.gubernator, t.metrics));
}

}  // namespace sluice::server
