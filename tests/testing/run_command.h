// RunCommand: runs a program to completion (a `sluice --validate`, an installer) and returns its
// exit code with what it wrote to stdout and stderr, kept apart. Header-only. The child dies with
// the test; a run longer than the timeout is killed and reported as exit code -1.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "testing/child_process.h"

namespace sluice::testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed by one; -1 on timeout or when it did not run
  std::string out;
  std::string err;
};

inline CommandResult RunCommand(std::vector<std::string> args,
                                const std::vector<std::string>& env = {}, int timeout_ms = 60'000) {
  char out_path[] = "/tmp/sluice-run-out-XXXXXX";
  char err_path[] = "/tmp/sluice-run-err-XXXXXX";
  const int out_fd = mkstemp(out_path);
  const int err_fd = mkstemp(err_path);
  CommandResult result;
  const pid_t pid = SpawnChild(std::move(args), out_fd, err_fd, env);
  close(out_fd);
  close(err_fd);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pid > 0) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto slurp = [](const char* path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    unlink(path);
    return text.str();
  };
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  return result;
}

}  // namespace sluice::testing
