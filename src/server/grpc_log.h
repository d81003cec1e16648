// gRPC core's own log lines (gpr_log) into the Sluice log, and the one of them that means the
// gRPC listener is gone.
//
// gRPC writes its errors to stderr in a format of its own; routed through spdlog they follow
// --log-format and --log-level like every other line. gRPC 1.51 also writes
// "Failed accept4: Too many open files" when accept fails for want of descriptors, and then never
// accepts on that port again (fixed upstream in gRPC 1.57, grpc/grpc#33656; 1.51 offers no
// setting to bound incoming connections or to retry). That line is passed to the hook the node
// gives, which counts it and tells the operator to restart the node.
//
// Thread safety: gRPC calls the log function from any of its threads; SetGrpcAcceptFailureHook
// may be called at any time.
#pragma once

#include <functional>
#include <string_view>

namespace sluice::server {

// Routes gRPC's log lines into spdlog (process-wide; idempotent): gRPC errors become error lines
// "grpc: <message> (<file>:<line>)", and so on by severity.
void RouteGrpcLogToSpdlog();

// `hook` (empty: none) is called with gRPC's line each time gRPC's accept fails for a reason other
// than a transient one; it replaces the hook given before. It must not block and must not log
// through gRPC.
void SetGrpcAcceptFailureHook(std::function<void(std::string_view line)> hook);

}  // namespace sluice::server
