// SluiceProcess: starts the real `sluice` binary on free 127.0.0.1 ports for integration
// tests, waits until both ports answer, and always stops it (SIGTERM, then SIGKILL) when the
// object goes away. The process's output goes to a temp file that is printed if startup fails.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sluice::testing {

// A TCP port on 127.0.0.1 that was free when asked (testing/free_port.h says where it is picked).
int FreePort();

// SIGSTOPs `pid` and waits (up to 5 s) until every thread of it has stopped: kill() only queues
// the signal, and a thread still running may answer one more call (seen on a loaded machine: a
// "stopped" owner answered the first forward in 3 ms). True once all are stopped.
bool StopProcess(pid_t pid);

class SluiceProcess {
 public:
  struct Options {
    std::vector<std::string> extra_args;  // appended after the address flags
    std::vector<std::string> env;         // KEY=VALUE added to the environment
    int grpc_port = 0;                     // 0: pick a free port
    std::string grpc_host = "127.0.0.1";   // any 127.0.0.0/8 address (--addr's host)
    int http_port = 0;
    // False: pass no --addr/--http-addr; the test configures the ports another way (settings
    // file, environment) and gives them in grpc_port/http_port so readiness can be checked.
    bool address_flags = true;
  };

  explicit SluiceProcess(Options options);
  SluiceProcess() : SluiceProcess(Options{}) {}
  ~SluiceProcess();
  SluiceProcess(const SluiceProcess&) = delete;
  SluiceProcess& operator=(const SluiceProcess&) = delete;

  // True once both ports accept connections (waits up to 20 s).
  bool ready() const { return ready_; }
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  std::string grpc_address() const { return grpc_host_ + ":" + std::to_string(grpc_port_); }
  std::string http_url() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  pid_t pid() const { return pid_; }

  // Sends a signal (e.g. SIGHUP, SIGTERM).
  void Signal(int signal) const;
  // Waits up to `timeout_ms` for exit; returns the exit status (or -1 on timeout).
  int Wait(int timeout_ms);
  // SIGKILL now, and reap.
  void Kill();
  // Everything the process printed so far.
  std::string Output() const;
  // Waits up to `timeout_ms` until the output contains `text`; false on timeout. For what a node
  // logs after ready() can be true, such as its ready line ("sluice ... ready: gRPC on ...,
  // cache size ..."), logged once its HTTP port already accepts.
  bool AwaitOutput(const std::string& text, int timeout_ms = 20'000) const;
  // Whether the node exited at start-up because a port was in use (taken by another process
  // between the pick and the bind).
  bool PortWasTaken() const;

 private:
  // Spawns the node and waits up to 20 s until both ports accept; ready_.
  bool Start(const Options& options);

  pid_t pid_ = -1;
  std::string grpc_host_ = "127.0.0.1";
  int grpc_port_ = 0;
  int http_port_ = 0;
  bool ready_ = false;
  std::string log_path_;
};

}  // namespace sluice::testing
