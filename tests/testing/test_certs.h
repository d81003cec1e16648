// TestCerts: a throwaway PKI made with the `openssl` command at test time, in a fresh temporary
// directory removed afterwards. Two CAs: `ca` signs the server certificate (SANs 127.0.0.1 and
// localhost, usable as server and client) and a client certificate; `other_ca` signs a client
// certificate that a server trusting only `ca` must refuse. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::testing {

class TestCerts {
 public:
  TestCerts() {
    char pattern[] = "/tmp/sluice-certs-XXXXXX";
    dir_ = mkdtemp(pattern);
    std::ofstream(dir_ + "/ext.cnf")
        << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
           "extendedKeyUsage=serverAuth,clientAuth\n";
    ok_ = MakeCa("ca") && MakeCa("other_ca") && MakeLeaf("server", "ca") &&
          MakeLeaf("client", "ca") && MakeLeaf("stranger", "other_ca");
  }
  ~TestCerts() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TestCerts(const TestCerts&) = delete;
  TestCerts& operator=(const TestCerts&) = delete;

  // False when openssl failed; tests ASSERT on it.
  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  // Another certificate (CN = name) signed by `ca` ("ca" or "other_ca"): name.pem, name.key.
  bool AddLeaf(const std::string& name, const std::string& ca = "ca") const {
    return MakeLeaf(name, ca);
  }
  // The subject line `openssl s_client` reports for 127.0.0.1:port ("subject=CN = server"), or
  // "" when the handshake fails. `alpn` "h2" for a gRPC port.
  std::string ServedSubject(int port, const std::string& alpn = "") const {
    std::string cmd = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                      (alpn.empty() ? "" : " -alpn " + alpn) +
                      " </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null";
    std::string out;
    if (FILE* pipe = popen(cmd.c_str(), "r")) {
      char buf[256];
      while (fgets(buf, sizeof(buf), pipe)) out += buf;
      pclose(pipe);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }
  // "ca.pem", "server.pem", "server.key", "client.pem", ..., the PEM text.
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  bool Run(const std::string& command) const {
    return std::system(("cd " + dir_ + " && " + command + " >/dev/null 2>&1").c_str()) == 0;
  }
  bool MakeCa(const std::string& name) const {
    return Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
               "-subj /CN=" + name + " -keyout " + name + ".key -out " + name + ".pem");
  }
  bool MakeLeaf(const std::string& name, const std::string& ca) const {
    return Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" +
               name + " -keyout " + name + ".key -out " + name + ".csr") &&
           Run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
               ".key -CAcreateserial -days 2 -extfile ext.cnf -out " + name + ".pem");
  }

  std::string dir_;
  bool ok_ = false;
};

}  // namespace sluice::testing
