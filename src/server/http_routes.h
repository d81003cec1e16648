// Every HTTP route the node serves, registered in this one place. The handlers live with their
// doors (api/gubernator_http.h, api/envoy_service.h, mesh/mesh_http.h); this file only says which
// method and path reach each, on which listener.
//
//   main listener (--http-addr)        status listener (--status-http-addr, plaintext)
//   GET  /  (status page, HTML)        GET /v1/HealthCheck
//   GET  /status.json
//   POST /v1/GetRateLimits             GET /v1/LiveCheck
//   GET  /v1/HealthCheck
//   GET  /v1/LiveCheck
//   GET  /metrics
//   POST /json
//   GET  /v1/mesh/stats                (mesh mode)
//   POST /v1/mesh/deny                 (mesh mode with --mesh-test-hooks)
//   GET  /v1/admin/counters            (--admin)
//   POST /v1/admin/reset               (--admin)
//
// Thread safety: call before the server starts. Everything referenced must outlive the server.
#pragma once

#include <string>
#include <vector>

#include "api/admin_counters.h"
#include "api/door_metrics.h"
#include "api/envoy_handler.h"
#include "api/gubernator_handler.h"
#include "mesh/mesh.h"
#include "net/http_server.h"
#include "obs/registry.h"
#include "server/status_collector.h"
#include "trace/tracer.h"

namespace sluice::server {

// What the routes answer with.
struct HttpRouteTargets {
  api::GubernatorHandler& gubernator;
  api::EnvoyHandler& envoy;
  const obs::Registry& registry;
  const api::DoorMetrics& metrics;
  mesh::Mesh* mesh = nullptr;    // mesh mode only
  bool mesh_test_hooks = false;  // --mesh-test-hooks
  const StatusCollector* status = nullptr;  // the status page; none when null
  const trace::Tracer* tracer = nullptr;  // null: tracing off
  const api::AdminCounters* admin = nullptr;  // --admin; none when null
  std::vector<std::string> admin_client_cns;  // --admin-client-cn
};

// The main listener's routes.
void AddNodeRoutes(net::HttpServer& server, const HttpRouteTargets& targets);
// The status listener's: health only (Gubernator's GUBER_STATUS_HTTP_ADDRESS).
void AddStatusRoutes(net::HttpServer& server, const HttpRouteTargets& targets);

}  // namespace sluice::server
