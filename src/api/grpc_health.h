// GrpcHealthPublisher: keeps the standard grpc.health.v1.Health service (grpc++'s built-in one,
// which answers Check and Watch) in step with the node's HealthSource (what V1.HealthCheck
// reports), so Kubernetes gRPC probes, grpcurl and load balancers see the node's health without
// knowing Gubernator's API.
//
// Published names: "" (the node as a whole) and every gRPC service of the node. SERVING while the
// HealthSource reports healthy, NOT_SERVING otherwise; from Shutdown() on, NOT_SERVING for good
// (grpc++ then refuses further changes), so a draining node leaves the load balancer first.
//
// Cluster health also depends on time (a peer failure counts for --peer-error-window), so the
// reporter is polled on a thread of its own every `period`; Watch callers see a change within that.
//
// Thread safety: Start() and Shutdown() from one thread; Shutdown() joins the poller. Call
// grpc::EnableDefaultHealthCheckService(true) before the server is built (EnableHealthService).
#pragma once

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/health.h"
#include "core/clock.h"

namespace grpc {
class HealthCheckServiceInterface;
}  // namespace grpc

namespace sluice::api {

// Turns on grpc++'s health service for servers built from now on (process-wide).
void EnableHealthService();

class GrpcHealthPublisher {
 public:
  // `service` is the server's health service (grpc::Server::GetHealthCheckService()); it,
  // `source` and `clock` must outlive the publisher. `services` are the gRPC service names to
  // publish besides "".
  GrpcHealthPublisher(grpc::HealthCheckServiceInterface& service,
                      const cluster::HealthSource& source, const core::Clock& clock,
                      std::vector<std::string> services, absl::Duration period = absl::Seconds(1));
  ~GrpcHealthPublisher();
  GrpcHealthPublisher(const GrpcHealthPublisher&) = delete;
  GrpcHealthPublisher& operator=(const GrpcHealthPublisher&) = delete;

  // Publishes the current health, then keeps it up to date.
  void Start();
  // NOT_SERVING for every name from now on; stops the poller.
  void Shutdown();

 private:
  void Publish(bool serving);
  void Poll();

  grpc::HealthCheckServiceInterface& service_;
  const cluster::HealthSource& source_;
  const core::Clock& clock_;
  const std::vector<std::string> services_;
  const absl::Duration period_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int published_ = -1;  // last published serving state (-1: none); poller thread only
  std::thread poller_;
};

}  // namespace sluice::api
