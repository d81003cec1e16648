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

extern char** environ;  // POSIX: the process environment, for the child's copy

namespace sluice::testing {

// Runs args[0] (a path, or a name looked up in PATH) with `args`, stdout going to `out_fd` and
// stderr to `err_fd`, and `env` (KEY=VALUE) added to the environment. Returns the child's pid (-1
// if fork failed). The caller closes the descriptors.
//
// Everything the child needs is built before fork(): a test process has threads (fake API
// servers, gRPC), and a child of a threaded process that allocates before exec can hang on a lock
// another thread held at the fork (seen as a node that never printed a line). The child only
// calls async-signal-safe functions.
inline pid_t SpawnChild(std::vector<std::string> args, int out_fd, int err_fd,
                        const std::vector<std::string>& env) {
  std::string path = args.empty() ? std::string() : args[0];
  if (!args.empty() && path.find('/') == std::string::npos) {
    const char* search = std::getenv("PATH");
    std::string dirs = search ? search : "/usr/local/bin:/usr/bin:/bin";
    for (size_t begin = 0; begin <= dirs.size();) {
      size_t colon = dirs.find(':', begin);
      if (colon == std::string::npos) colon = dirs.size();
      std::string candidate = dirs.substr(begin, colon - begin) + "/" + args[0];
      if (access(candidate.c_str(), X_OK) == 0) {
        path = std::move(candidate);
        break;
      }
      begin = colon + 1;
    }
  }
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& kv : env) {
      const size_t eq = kv.find('=');
      replaced |= eq != std::string::npos && entry.compare(0, eq + 1, kv, 0, eq + 1) == 0;
    }
    if (!replaced) environment.push_back(entry);
  }
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execve(path.c_str(), argv.data(), envp.data());
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
