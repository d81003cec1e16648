// Graceful stop of the gRPC server: count the calls in progress, and end the stop as soon as
// none is left instead of at the drain deadline.
//
// grpc::Server::Shutdown(deadline) stops listening and sends GOAWAY at once, but it returns only
// when every connection is closed; a client that keeps an idle connection open after GOAWAY (a
// peer's channel, a pooled client) holds it until the deadline. GrpcDrain watches the unary
// calls in progress (the interceptor below) and, once none has been running for a moment after
// the shutdown began, closes the remaining connections: nothing can arrive on them any more (the
// GOAWAY told the client, and gRPC refuses calls once shutting down), so nothing is lost.
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

  // Stops `server`: no new connections or calls, calls in progress finish until `drain` is
  // over (then they are cancelled), connections close once no call is left. Returns when the
  // server has stopped; the time taken is logged.
  void Shutdown(grpc::Server& server, std::chrono::milliseconds drain);

 private:
  std::shared_ptr<std::atomic<int>> calls_;
};

}  // namespace sluice::server
