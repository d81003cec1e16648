// RPC spans and gRPC propagation: the OpenTelemetry RPC conventions (span name
// "<package.Service>/<Method>", rpc.system, rpc.service, rpc.method) for spans of gRPC calls, and
// the W3C headers read from a server call's metadata and written into a client call's.
//
// Thread safety: functions of their arguments; a tracer may be shared.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include <optional>
#include <string_view>

#include "trace/tracer.h"

namespace sluice::trace {

// A span for the gRPC method `full_method` ("/pb.gubernator.V1/GetRateLimits"), an empty Span
// when `tracer` is null. `rpc_system` is "grpc" for gRPC calls ("http" for the HTTP gateway's).
Span StartRpcSpan(const Tracer* tracer, std::string_view full_method, SpanKind kind,
                  const std::optional<TraceContext>& parent, TracingLevel level,
                  std::string_view rpc_system = "grpc");

// The caller's context from a server call's `traceparent`/`tracestate` metadata.
std::optional<TraceContext> ExtractFromGrpc(const grpc::ServerContextBase& context);

// Adds `traceparent` (and `tracestate`) for `context` to a client call; nothing when `context` is
// not valid.
void InjectIntoGrpc(const TraceContext& context, grpc::ClientContext& client);

}  // namespace sluice::trace
