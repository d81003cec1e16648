// The HTTP/JSON face of the Gubernator door (grpc-gateway compatible): POST /v1/GetRateLimits,
// GET /v1/HealthCheck, GET /v1/LiveCheck, answered by the same GubernatorHandler as gRPC.
#pragma once

#include "api/gubernator_handler.h"
#include "api/http_server.h"
#include "obs/sluice_metrics.h"

namespace sluice::api {

// Every route above (the health routes included).
void AddGubernatorRoutes(HttpServer& server, GubernatorHandler& handler,
                         const obs::Metrics& metrics);
// GET /v1/HealthCheck and GET /v1/LiveCheck alone: the plaintext status listener serves only
// these when mTLS guards the main port (Gubernator's GUBER_STATUS_HTTP_ADDRESS).
void AddHealthRoutes(HttpServer& server, GubernatorHandler& handler, const obs::Metrics& metrics);

// GET /metrics: the registry in Prometheus text format.
void AddMetricsRoute(HttpServer& server, const obs::Registry& registry, const obs::Metrics& metrics);

}  // namespace sluice::api
