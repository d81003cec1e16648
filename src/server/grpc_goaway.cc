#include "server/grpc_goaway.h"

#include <dlfcn.h>
#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

// The only gRPC release whose internals below were read and tested: Debian 12's libgrpc29.
constexpr const char* kKnownGrpcVersion = "1.51.1";

// grpc_core::Server's non-virtual members take the server as their only argument (Itanium C++
// ABI), and in 1.51 the grpc_server* is the grpc_core::Server* (CppImplOf::FromC is a cast).
using ServerMember = void (*)(grpc_server*);

struct CoreEntryPoints {
  ServerMember stop_listening = nullptr;  // grpc_core::Server::StopListening()
  ServerMember send_goaways = nullptr;    // grpc_core::Server::SendGoaways()
  // grpc_core::ExecCtx::exec_ctx_, a thread_local: dlsym gives the calling thread's copy. Both
  // members schedule work on the thread's ExecCtx, so they must run where one is active.
  void* exec_ctx = nullptr;

  bool ok() const { return stop_listening && send_goaways; }
};

CoreEntryPoints Resolve() {
  CoreEntryPoints core;
  if (grpc::Version() != kKnownGrpcVersion) return core;
  core.stop_listening =
      reinterpret_cast<ServerMember>(dlsym(RTLD_DEFAULT, "_ZN9grpc_core6Server13StopListeningEv"));
  core.send_goaways =
      reinterpret_cast<ServerMember>(dlsym(RTLD_DEFAULT, "_ZN9grpc_core6Server11SendGoawaysEv"));
  return core;
}

// Whether the calling thread runs inside a gRPC ExecCtx.
bool InExecCtx() {
  void* slot = dlsym(RTLD_DEFAULT, "_ZN9grpc_core7ExecCtx9exec_ctx_E");
  return slot != nullptr && *static_cast<void**>(slot) != nullptr;
}

}  // namespace

bool StopListeningAndSendGoaway(grpc::Server& server) {
  static const CoreEntryPoints core = Resolve();
  if (!core.ok()) {
    spdlog::warn("gRPC {} is not {}: GOAWAY is sent only as the gRPC shutdown begins, and a call "
                 "reaching the node at that moment is cancelled",
                 grpc::Version(), kKnownGrpcVersion);
    return false;
  }
  // An alarm's callback runs on a gRPC thread inside an ExecCtx, which runs the work the two
  // members schedule once the callback returns.
  auto done = std::make_shared<std::promise<bool>>();
  std::future<bool> sent = done->get_future();
  grpc_server* c_server = server.c_server();
  grpc::Alarm alarm;
  alarm.Set(std::chrono::system_clock::now(), [done, c_server](bool fired) {
    if (!fired || !InExecCtx()) {
      done->set_value(false);
      return;
    }
    core.stop_listening(c_server);
    core.send_goaways(c_server);
    done->set_value(true);
  });
  if (sent.wait_for(std::chrono::seconds(5)) != std::future_status::ready || !sent.get()) {
    spdlog::warn("could not send GOAWAY ahead of the gRPC shutdown; it is sent as the shutdown "
                 "begins");
    return false;
  }
  return true;
}

}  // namespace sluice::server
