#include "api/grpc_health.h"

#include <grpcpp/health_check_service_interface.h>

#include "grpc/health/v1/health.pb.h"

#include "spdlog/spdlog.h"

namespace sluice::api {

void EnableHealthService() {
  grpc::EnableDefaultHealthCheckService(true);
  // grpc++ serves the service from its own code; linking the generated messages puts
  // grpc.health.v1 in the descriptor pool, so reflection can describe it too.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
}

GrpcHealthPublisher::GrpcHealthPublisher(grpc::HealthCheckServiceInterface& service,
                                         const cluster::HealthSource& source,
                                         const core::Clock& clock,
                                         std::vector<std::string> services, absl::Duration period)
    : service_(service),
      source_(source),
      clock_(clock),
      services_(std::move(services)),
      period_(period) {}

GrpcHealthPublisher::~GrpcHealthPublisher() { Shutdown(); }

void GrpcHealthPublisher::Start() {
  Poll();
  poller_ = std::thread([this] {
    absl::MutexLock lock(&mu_);
    while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), period_)) {
      mu_.Unlock();
      Poll();
      mu_.Lock();
    }
  });
}

void GrpcHealthPublisher::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (poller_.joinable()) poller_.join();
  service_.Shutdown();  // NOT_SERVING everywhere; later SetServingStatus calls are ignored
}

void GrpcHealthPublisher::Poll() {
  const cluster::HealthReport health = source_.Report(clock_.NowMillis());
  const bool serving = health.healthy;
  if (static_cast<int>(serving) == published_) return;
  if (published_ != -1) {
    spdlog::info("grpc.health.v1: {} ({})", serving ? "SERVING" : "NOT_SERVING",
                 health.message.empty() ? (serving ? "healthy" : "unhealthy") : health.message);
  }
  published_ = serving;
  Publish(serving);
}

void GrpcHealthPublisher::Publish(bool serving) {
  service_.SetServingStatus(serving);  // every name registered so far, "" included
  for (const std::string& name : services_) service_.SetServingStatus(name, serving);
}

}  // namespace sluice::api
