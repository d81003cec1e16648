#include "server/grpc_drain.h"

#include <grpc/grpc.h>

#include <thread>

#include "server/grpc_goaway.h"
#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

namespace gx = grpc::experimental;

// Lives as long as its call: gRPC destroys a call's interceptors when the call is done.
class CallCounter final : public gx::Interceptor {
 public:
  explicit CallCounter(std::shared_ptr<std::atomic<int>> calls) : calls_(std::move(calls)) {
    calls_->fetch_add(1);
  }
  ~CallCounter() override { calls_->fetch_sub(1); }
  void Intercept(gx::InterceptorBatchMethods* methods) override { methods->Proceed(); }

 private:
  std::shared_ptr<std::atomic<int>> calls_;
};

class CallCounterFactory final : public gx::ServerInterceptorFactoryInterface {
 public:
  explicit CallCounterFactory(std::shared_ptr<std::atomic<int>> calls)
      : calls_(std::move(calls)) {}
  gx::Interceptor* CreateServerInterceptor(gx::ServerRpcInfo* info) override {
    // Streams (grpc.health.v1 Watch) last as long as the client wants; they do not hold a drain.
    if (info->type() != gx::ServerRpcInfo::Type::UNARY) return nullptr;
    return new CallCounter(calls_);
  }

 private:
  std::shared_ptr<std::atomic<int>> calls_;
};

// How long no call must have been in progress before the next step of the stop (the shutdown
// after the GOAWAY; closing the connections left after the shutdown began). It covers the round
// trip of the graceful GOAWAY (a client's calls sent before it read the GOAWAY), and the moment
// between gRPC matching a call and the interceptor counting it.
constexpr std::chrono::milliseconds kQuiet{250};

}  // namespace

GrpcDrain::GrpcDrain() : calls_(std::make_shared<std::atomic<int>>(0)) {}

std::unique_ptr<gx::ServerInterceptorFactoryInterface> GrpcDrain::MakeCallCounter() {
  return std::make_unique<CallCounterFactory>(calls_);
}

bool GrpcDrain::AwaitQuiet(std::chrono::steady_clock::time_point deadline,
                           const std::atomic<bool>& stop) const {
  auto quiet_since = std::chrono::steady_clock::now();
  for (auto now = quiet_since; now < deadline && !stop.load();
       now = std::chrono::steady_clock::now()) {
    if (calls_->load() > 0) {
      quiet_since = now;
    } else if (now - quiet_since >= kQuiet) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

void GrpcDrain::Shutdown(grpc::Server& server, std::chrono::milliseconds drain) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + drain;
  const auto system_deadline = std::chrono::system_clock::now() + drain;
  std::atomic<bool> stopped{false};
  // While the server still serves: no new connection, GOAWAY on each one, and every call the
  // clients sent before they read it answered. Then gRPC's shutdown has nothing left to cancel.
  if (StopListeningAndSendGoaway(server)) AwaitQuiet(deadline, stopped);
  std::thread stop([&server, &stopped, system_deadline] {
    server.Shutdown(system_deadline);
    stopped.store(true);
  });
  if (AwaitQuiet(deadline, stopped)) {
    // Every call is answered: close the connections whose clients kept them after GOAWAY.
    grpc_server_cancel_all_calls(server.c_server());
  }
  stop.join();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (took >= drain) {
    spdlog::warn("gRPC drain ended at the {} ms deadline; calls still in progress were cancelled",
                 drain.count());
  } else {
    spdlog::info("gRPC drained in {} ms", took.count());
  }
}

}  // namespace sluice::server
