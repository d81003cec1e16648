// PrivateNetwork: a gtest environment that moves the test process into a network namespace of
// its own (unshare(CLONE_NEWNET); root only) before any test, with a second private namespace
// beside it (a sleeping `unshare --net` child) for "the other side" of a veth link, so tests
// can use addresses other than 127.0.0.1 and take links down without touching the machine's
// network. The caller's shell commands build the interfaces; in a command "{peer}" becomes an
// `nsenter` prefix that runs it in the second namespace, and "{peer_pid}" that namespace's
// holder process (for `ip link set X netns {peer_pid}`). Header-only.
#pragma once

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace sluice::testing {

class PrivateNetwork : public ::testing::Environment {
 public:
  explicit PrivateNetwork(std::vector<std::string> setup) : setup_(std::move(setup)) {}

  // Why the tests must skip ("" when the namespaces are ready).
  static const std::string& skip_reason() { return skip_reason_; }
  // The second namespace's holder process (for nsenter -t).
  static pid_t peer_namespace() { return peer_namespace_; }

  // Runs a shell command quietly; a failure is remembered as the reason to skip.
  static bool Sh(const std::string& command) {
    const int rc = std::system((command + " >/dev/null 2>&1").c_str());
    if (rc != 0 && skip_reason_.empty()) skip_reason_ = "failed: " + command;
    return rc == 0;
  }

  void SetUp() override {
    if (unshare(CLONE_NEWNET) != 0) {
      skip_reason_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    peer_namespace_ = fork();
    if (peer_namespace_ == 0) {
      if (unshare(CLONE_NEWNET) != 0) _exit(1);
      pause();
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the child's unshare
    const std::string peer = "nsenter -t " + std::to_string(peer_namespace_) + " -n ";
    for (std::string command : setup_) {
      Substitute(command, "{peer}", peer);
      Substitute(command, "{peer_pid}", std::to_string(peer_namespace_));
      if (!Sh(command)) return;
    }
  }
  void TearDown() override {
    if (peer_namespace_ > 0) {
      kill(peer_namespace_, SIGKILL);
      waitpid(peer_namespace_, nullptr, 0);
    }
  }

 private:
  static void Substitute(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }

  std::vector<std::string> setup_;
  static inline std::string skip_reason_;
  static inline pid_t peer_namespace_ = -1;
};

}  // namespace sluice::testing
