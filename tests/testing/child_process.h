// SpawnChild: forks and runs a test's helper process (a sluice node, an etcd server) with its
// output in a log file, and makes it die with the test process even if the test is killed
// without running destructors. Header-only: unit tests in src/ and the integration tests share it.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace sluice::testing {

// Runs args[0] (a path, or a name looked up in PATH) with `args`, stdout going to `out_fd` and
// stderr to `err_fd`, and `env` (KEY=VALUE) added to the environment. Returns the child's pid (-1
// if fork failed). The caller closes the descriptors.
inline pid_t SpawnChild(std::vector<std::string> args, int out_fd, int err_fd,
                        const std::vector<std::string>& env) {
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    for (const auto& kv : env) putenv(strdup(kv.c_str()));
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Both streams to one file.
inline pid_t SpawnChild(std::vector<std::string> args, int log_fd,
                        const std::vector<std::string>& env = {}) {
  return SpawnChild(std::move(args), log_fd, log_fd, env);
}

}  // namespace sluice::testing
