// The HTTP/JSON face of the Gubernator door (grpc-gateway compatible): POST /v1/GetRateLimits,
// GET /v1/HealthCheck, GET /v1/LiveCheck, answered by the same GubernatorHandler as gRPC; and
// GET /metrics.
#pragma once

#include "api/gubernator_handler.h"
#include "net/http_server.h"
#include "api/door_metrics.h"
#include "trace/tracer.h"

namespace sluice::api {

// The handlers; server/http_routes.cc registers each at its path. Each counts and times its
// calls under its door metric. The arguments must outlive the HTTP server.
// `tracer` (may be null) traces each call from its traceparent/tracestate headers.
net::HttpHandler GetRateLimitsHttpHandler(GubernatorHandler& handler, const DoorMetrics& metrics,
                                          const trace::Tracer* tracer = nullptr);
net::HttpHandler HealthCheckHttpHandler(GubernatorHandler& handler, const DoorMetrics& metrics);
net::HttpHandler LiveCheckHttpHandler(GubernatorHandler& handler, const DoorMetrics& metrics);
// GET /metrics: the registry in Prometheus text format.
net::HttpHandler MetricsHttpHandler(const obs::Registry& registry, const DoorMetrics& metrics);

}  // namespace sluice::api
