#include "testing/sluice_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "testing/child_process.h"
#include "testing/free_port.h"

#ifndef SLUICE_BINARY
#error "SLUICE_BINARY must name the sluice executable"
#endif

namespace sluice::testing {

int FreePort() { return FreeLoopbackPort(); }

namespace {

bool Accepts(int port, const std::string& host = "127.0.0.1") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

SluiceProcess::SluiceProcess(Options options) {
  // A port this process picked can still be taken by another test process between the check and
  // the node's bind ("Address already in use" at start-up, seen with several test binaries in
  // parallel): then the node starts again on ports picked anew. Ports the caller chose are the
  // caller's to retry (ClusterHarness does).
  const bool own_ports = options.address_flags && options.grpc_port == 0 && options.http_port == 0;
  for (int attempt = 1;; ++attempt) {
    if (Start(options) || !own_ports || attempt == 3 || !PortWasTaken()) break;
    std::fprintf(stderr, "sluice: a port was taken before it bound (attempt %d), retrying:\n%s\n",
                 attempt, Output().c_str());
    unlink(log_path_.c_str());
  }
  if (!ready_) std::fprintf(stderr, "sluice did not start:\n%s\n", Output().c_str());
}

bool SluiceProcess::PortWasTaken() const {
  return pid_ <= 0 && Output().find("Address already in use") != std::string::npos;
}

bool SluiceProcess::Start(const Options& options) {
  grpc_host_ = options.grpc_host;
  grpc_port_ = options.grpc_port ? options.grpc_port : FreePort();
  http_port_ = options.http_port ? options.http_port : FreePort();
  char path[] = "/tmp/sluice-test-XXXXXX";
  int log_fd = mkstemp(path);
  log_path_ = path;

  std::vector<std::string> args = {SLUICE_BINARY};
  if (options.address_flags) {
    args.insert(args.end(), {"--addr", grpc_host_ + ":" + std::to_string(grpc_port_),
                             "--http-addr", "127.0.0.1:" + std::to_string(http_port_)});
  }
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

  pid_ = SpawnChild(std::move(args), log_fd, options.env);
  close(log_fd);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // exited during startup
      break;
    }
    if (Accepts(grpc_port_, grpc_host_) && Accepts(http_port_)) {
      ready_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready_;
}

SluiceProcess::~SluiceProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    if (Wait(10'000) == -1) Kill();
  }
  unlink(log_path_.c_str());
}

namespace {

// Whether every task of `pid` is stopped ('T') or traced ('t'), from /proc/<pid>/task/*/stat.
bool AllThreadsStopped(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  int seen = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // the thread ended meanwhile
    // "tid (comm) S ...": the state follows the last ')' (comm may hold spaces or parentheses).
    const size_t close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return false;
    const char state = line[close + 2];
    if (state != 'T' && state != 't') return false;
    ++seen;
  }
  return !error && seen > 0;
}

}  // namespace

bool StopProcess(pid_t pid) {
  if (pid <= 0 || kill(pid, SIGSTOP) != 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (AllThreadsStopped(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

void SluiceProcess::Signal(int signal) const {
  if (pid_ > 0) kill(pid_, signal);
}

int SluiceProcess::Wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

void SluiceProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string SluiceProcess::Output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool SluiceProcess::AwaitOutput(const std::string& text, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Output().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace sluice::testing
