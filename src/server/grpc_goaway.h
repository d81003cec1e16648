// Tell every gRPC client to go away while the server still serves: close the gRPC listener and
// send each connection an HTTP/2 GOAWAY, without starting grpc::Server::Shutdown.
//
// Why: once grpc::Server::Shutdown begins, gRPC 1.51's core fails with CANCELLED every call
// that reaches it, even one the client sent before it read the GOAWAY
// (src/core/lib/surface/server.cc: AllocatingRequestMatcherRegistered::MatchOrQueue calls
// FailCallCreation when ShutdownRefOnRequest() is false). chttp2's GOAWAY is graceful (a first
// GOAWAY, then after a PING round trip the final one with the last stream it accepted), so a
// server that sends it while it still serves answers every stream the client sent before it
// stopped; Shutdown afterwards finds no call in flight. gRPC 1.51 has no public call for that:
// grpc_core::Server::StopListening and SendGoaways are the two halves of ShutdownAndNotify
// without its shutdown flag. They are exported by Debian 12's libgrpc.so.29 (1.51.1) and found
// at run time; with any other gRPC they are not used (docs/operations.md "Shutdown").
//
// Thread safety: call once, from any thread but gRPC's own, before grpc::Server::Shutdown.
#pragma once

#include <grpcpp/server.h>

namespace sluice::server {

// Closes `server`'s listeners and sends GOAWAY on its connections; calls in progress, and those
// the clients send before they read the GOAWAY, are served as usual. Returns false, having done
// nothing, when this gRPC build does not offer it (then only grpc::Server::Shutdown sends GOAWAY).
bool StopListeningAndSendGoaway(grpc::Server& server);

}  // namespace sluice::server
