// EtcdTestServer: a real etcd (Debian's etcd-server) on free 127.0.0.1 ports with a temporary
// data directory, for tests. Started by the constructor (waits up to 20 s until it answers),
// always killed and cleaned up by the destructor; dies with the test process. Optionally serves
// https with the given certificate (and then may require client certificates); EnableAuth turns
// on etcd's user/password authentication. Test-only.
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

#include "absl/strings/escaping.h"
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

  // https on the client port with these PEM files (`ca_file` signs the certificate);
  // `client_cert_auth`: clients must present a certificate `ca_file` signed.
  struct Tls {
    std::string cert_file;
    std::string key_file;
    std::string ca_file;
    bool client_cert_auth = false;
  };

  EtcdTestServer() : EtcdTestServer(Tls{}) {}

  explicit EtcdTestServer(Tls tls) : tls_(std::move(tls)) {
    const std::string binary = Binary();
    if (binary.empty()) return;
    client_port_ = FreePort();
    peer_port_ = FreePort();
    char dir[] = "/tmp/sluice-etcd-XXXXXX";
    if (mkdtemp(dir) == nullptr) return;
    dir_ = dir;
    const std::string client = endpoint();
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
                                     "--log-level=error",
                                     // Auth tests: cheap password hashing, tokens that expire
                                     // unless used within a second.
                                     "--bcrypt-cost=4",
                                     "--auth-token-ttl=1"};
    if (!tls_.cert_file.empty()) {
      args.insert(args.end(), {"--cert-file=" + tls_.cert_file, "--key-file=" + tls_.key_file});
    }
    if (tls_.client_cert_auth) {
      args.insert(args.end(), {"--client-cert-auth", "--trusted-ca-file=" + tls_.ca_file});
    }
    const std::string log = dir_ + "/etcd.log";
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_ = testing::SpawnChild(std::move(args), log_fd);
    close(log_fd);
    EtcdClient probe(ClientOptions());
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
  std::string endpoint() const {
    return (tls_.cert_file.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") +
           std::to_string(client_port_);
  }
  // A client this server accepts (its CA; the server's certificate doubles as the client's).
  EtcdClientOptions ClientOptions() const {
    EtcdClientOptions options{.endpoints = {endpoint()}, .timeout = absl::Seconds(2)};
    if (!tls_.cert_file.empty()) {
      options.tls = {.enabled = true, .ca_file = tls_.ca_file};
      if (tls_.client_cert_auth) {
        options.tls.cert_file = tls_.cert_file;
        options.tls.key_file = tls_.key_file;
      }
    }
    return options;
  }

  // Adds `user` with `password` and read-write access to keys under `prefix`, a root user, and
  // turns authentication on (etcd's v3 auth API over the JSON gateway, as etcdctl would). True
  // when every step succeeded.
  bool EnableAuth(const std::string& user, const std::string& password,
                  const std::string& prefix) const {
    auto b64 = [](const std::string& s) { return absl::Base64Escape(s); };
    std::string end = prefix;
    end.back() = static_cast<char>(end.back() + 1);
    return Call("/v3/auth/user/add", R"({"name":"root","password":"root-pw"})") &&
           Call("/v3/auth/role/add", R"({"name":"root"})") &&
           Call("/v3/auth/user/grant", R"({"user":"root","role":"root"})") &&
           Call("/v3/auth/user/add", R"({"name":")" + user + R"(","password":")" + password +
                                          R"("})") &&
           Call("/v3/auth/role/add", R"({"name":"peers"})") &&
           Call("/v3/auth/role/grant", R"({"name":"peers","perm":{"permType":"READWRITE","key":")" +
                                           b64(prefix) + R"(","range_end":")" + b64(end) +
                                           R"("}})") &&
           Call("/v3/auth/user/grant", R"({"user":")" + user + R"(","role":"peers"})") &&
           Call("/v3/auth/enable", "{}");
  }

 private:
  static int FreePort() { return testing::FreeLoopbackPort(); }

  // POSTs with the curl command (before auth is on: no token); true when etcd answered without
  // an error.
  bool Call(const std::string& path, const std::string& body) const {
    std::string cmd = "curl -sS -m 5 -X POST";
    if (!tls_.cert_file.empty()) {
      cmd += " -k --cert " + tls_.cert_file + " --key " + tls_.key_file;
    }
    cmd += " -d '" + body + "' " + endpoint() + path + " 2>&1";
    std::string out;
    if (FILE* pipe = popen(cmd.c_str(), "r")) {
      char buf[512];
      while (fgets(buf, sizeof(buf), pipe)) out += buf;
      if (pclose(pipe) != 0) out += " (curl failed)";
    }
    if (out.find("error") != std::string::npos || out.find("curl") != std::string::npos) {
      std::fprintf(stderr, "etcd %s: %s\n", path.c_str(), out.c_str());
      return false;
    }
    return true;
  }

  const Tls tls_;
  pid_t pid_ = -1;
  int client_port_ = 0;
  int peer_port_ = 0;
  std::string dir_;
  bool ready_ = false;
};

}  // namespace sluice::cluster
