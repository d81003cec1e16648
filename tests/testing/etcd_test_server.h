// EtcdTestServer: a real etcd (Debian's etcd-server) on free 127.0.0.1 ports with a temporary
// data directory, for tests. Started by the constructor (waits up to 20 s until it answers),
// always killed and cleaned up by the destructor; dies with the test process. Test-only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "cluster/etcd_client.h"
#include "testing/child_process.h"
#include "testing/free_port.h"

namespace sluice::cluster {

class EtcdTestServer {
 public:
  // The etcd binary ($SLUICE_ETCD, /usr/bin/etcd or /usr/local/bin/etcd), or "" if none.
  static std::string Binary() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("SLUICE_ETCD")) candidates.emplace_back(env);
    candidates.insert(candidates.end(), {"/usr/bin/etcd", "/usr/local/bin/etcd"});
    for (const auto& c : candidates) {
      if (!c.empty() && access(c.c_str(), X_OK) == 0) return c;
    }
    return "";
  }

  EtcdTestServer() {
    const std::string binary = Binary();
    if (binary.empty()) return;
    client_port_ = FreePort();
    peer_port_ = FreePort();
    char dir[] = "/tmp/sluice-etcd-XXXXXX";
    if (mkdtemp(dir) == nullptr) return;
    dir_ = dir;
    const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
    std::vector<std::string> args = {binary,
                                     "--name=sluice-test",
                                     "--data-dir=" + dir_ + "/data",
                                     "--listen-client-urls=" + client,
                                     "--advertise-client-urls=" + client,
                                     "--listen-peer-urls=" + peer,
                                     "--initial-advertise-peer-urls=" + peer,
                                     "--initial-cluster=sluice-test=" + peer,
                                     "--logger=zap",
                                     "--log-level=error"};
    const std::string log = dir_ + "/etcd.log";
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_ = testing::SpawnChild(std::move(args), log_fd);
    close(log_fd);
    EtcdClient probe({endpoint()}, absl::Milliseconds(500));
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      if (probe.RangePrefix("/").ok()) {
        ready_ = true;
        break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    if (!ready_) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      std::fprintf(stderr, "etcd did not start:\n%s\n", text.str().c_str());
    }
  }

  ~EtcdTestServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  EtcdTestServer(const EtcdTestServer&) = delete;
  EtcdTestServer& operator=(const EtcdTestServer&) = delete;

  bool ready() const { return ready_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(client_port_); }

 private:
  static int FreePort() { return testing::FreeLoopbackPort(); }

  pid_t pid_ = -1;
  int client_port_ = 0;
  int peer_port_ = 0;
  std::string dir_;
  bool ready_ = false;
};

}  // namespace sluice::cluster
