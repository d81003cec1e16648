#include "server/grpc_log.h"

#include <grpc/support/log.h>

#include <mutex>
#include <string>
#include <utility>

#include "spdlog/spdlog.h"

namespace sluice::server {
namespace {

std::mutex& HookMutex() {
  static std::mutex mu;
  return mu;
}

std::function<void(std::string_view)>& Hook() {
  static auto* hook = new std::function<void(std::string_view)>();  // outlives gRPC's threads
  return *hook;
}

void LogGrpcLine(gpr_log_func_args* args) {
  const std::string_view message = args->message != nullptr ? args->message : "";
  const std::string_view file = args->file != nullptr ? args->file : "";
  const auto slash = file.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? file : file.substr(slash + 1);
  const auto level = args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
                     : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                               : spdlog::level::debug;
  spdlog::log(level, "grpc: {} ({}:{})", message, base, args->line);
  // tcp_server_posix.cc's on_read: the listener stops after this line (grpc_log.h).
  if (message.rfind("Failed accept4:", 0) == 0) {
    std::lock_guard lock(HookMutex());
    if (Hook()) Hook()(message);
  }
}

}  // namespace

void RouteGrpcLogToSpdlog() { gpr_set_log_function(&LogGrpcLine); }

void SetGrpcAcceptFailureHook(std::function<void(std::string_view line)> hook) {
  std::lock_guard lock(HookMutex());
  Hook() = std::move(hook);
}

}  // namespace sluice::server
