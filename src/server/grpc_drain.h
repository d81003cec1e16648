// Graceful stop of the gRPC server: every call the node received is answered, and the stop
// ends as soon as none is left instead of at the drain deadline.
//
// First, while the server still serves, the listener closes and each connection gets a GOAWAY
// (grpc_goaway.h); the calls in progress, and those the clients sent before they read the
// GOAWAY, are answered as usual. GrpcDrain watches the unary calls in progress (the interceptor
// below) and, once none has been running for a moment, starts grpc::Server::Shutdown(deadline),
// which then finds nothing to cancel. Shutdown returns only when every connection is closed; a
// client that keeps an idle connection open after GOAWAY (a peer's channel, a pooled client)
// would hold it until the deadline, so once no call has been running for a moment after the
// shutdown began, the remaining connections are closed: nothing can arrive on them any more.
//
// Thread safety: the interceptor runs on gRPC's threads; Shutdown from one thread.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <chrono>
#include <memory>

namespace sluice::server {

class GrpcDrain {
 public:
  GrpcDrain();

  // The interceptor factory counting unary calls; hand it to the ServerBuilder
  // (experimental().SetInterceptorCreators) before BuildAndStart.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCallCounter();

  // Unary calls started and not yet finished.
  int in_flight() const { return calls_->load(); }

  // Stops `server`: no new connections, GOAWAY on each one, calls received finish until `drain`
  // is over (then they are cancelled), connections close once no call is left. Returns when the
  // server has stopped; the time taken is logged.
  void Shutdown(grpc::Server& server, std::chrono::milliseconds drain);

 private:
  // Waits until no call has been in progress for a moment (kQuiet in grpc_drain.cc); false at
  // `deadline` or once `stop` is set.
  bool AwaitQuiet(std::chrono::steady_clock::time_point deadline,
                  const std::atomic<bool>& stop) const;

  std::shared_ptr<std::atomic<int>> calls_;
};

}  // namespace sluice::server
