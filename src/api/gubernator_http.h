// The HTTP/JSON face of the Gubernator door (grpc-gateway compatible): POST /v1/GetRateLimits,
// GET /v1/HealthCheck, GET /v1/LiveCheck, answered by the same GubernatorHandler as gRPC.
#pragma once

#include "api/gubernator_handler.h"
#include "api/http_server.h"

namespace sluice::api {

void AddGubernatorRoutes(HttpServer& server, GubernatorHandler& handler);

}  // namespace sluice::api
