// sluice: parse the configuration, start a Node, and turn signals into reload and shutdown.
#include <csignal>
#include <cstdio>
#include <pthread.h>

#include "absl/synchronization/mutex.h"
#include "obs/logging.h"
#include "server/config.h"
#include "server/node.h"
#include "server/validate.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  // Debian's abseil is built without NDEBUG, so every absl::Mutex lock would also maintain a
  // deadlock-detection graph (measured: ~40 ns per uncontended lock+unlock instead of ~8 ns).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  auto command_line = sluice::server::ParseCommandLine(argc, argv);
  if (!command_line.ok()) {
    std::fprintf(stderr, "sluice: %s\n", std::string(command_line.status().message()).c_str());
    return 2;
  }
  if (command_line->exit_now) {
    std::fputs(command_line->output.c_str(), stdout);
    return 0;
  }
  if (command_line->validate) {  // check, report, exit: nothing is started
    const auto report = sluice::server::ValidateConfiguration(*command_line);
    for (const auto& error : report.errors) std::fprintf(stderr, "%s\n", error.c_str());
    if (!report.errors.empty()) {
      std::fprintf(stderr, "sluice: %zu error%s\n", report.errors.size(),
                   report.errors.size() == 1 ? "" : "s");
      return 1;
    }
    std::printf("sluice: configuration valid: %s\n", report.summary.c_str());
    return 0;
  }
  const auto& config = command_line->config;
  if (auto status = sluice::obs::ConfigureLogging(config.log.level, config.log.format,
                                                     config.server.instance_id);
      !status.ok()) {
    std::fprintf(stderr, "sluice: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  sluice::server::LogStartupSettings(*command_line);

  // Block the signals before any thread starts so only the sigwait loop below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto node = sluice::server::Node::Start(config);
  if (!node.ok()) {
    spdlog::error("startup failed: {}", std::string(node.status().message()));
    return 1;
  }
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      (*node)->Reload();
      continue;
    }
    spdlog::info("received {}", signal == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  (*node)->Shutdown();
  return 0;
}
