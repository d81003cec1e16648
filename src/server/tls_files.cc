#include "server/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/host_port.h"
#include "server/self_signed_cert.h"

namespace sluice::server {
namespace {

// The file's text; the error names the setting and the path.
absl::StatusOr<std::string> ReadPem(const std::string& setting, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": cannot read '", path, "' (missing, unreadable or empty)"));
  }
  return text.str();
}

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no PEM block found";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
Bio MemoryBio(const std::string& text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
}

// Checks that `pem` starts with a certificate (and, given a key, that the key matches it).
absl::Status CheckCertificate(const std::string& setting, const std::string& path,
                              const std::string& pem, const std::string* key_pem,
                              const std::string& key_setting) {
  auto bio = MemoryBio(pem);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) {
    return absl::InvalidArgumentError(absl::StrCat(setting, ": '", path,
                                                   "' holds no PEM certificate: ",
                                                   OpenSslError()));
  }
  if (key_pem == nullptr) return absl::OkStatus();
  auto key_bio = MemoryBio(*key_pem);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_setting, ": no unencrypted PEM private key: ", OpenSslError()));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(key_setting, ": the key does not match the certificate of ", setting));
  }
  return absl::OkStatus();
}

// --tls-auto's names: loopback, this host's name, and the advertise host.
std::vector<std::string> AutoCertificateNames(const Config& config) {
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') names.emplace_back(host);
  for (const std::string& address : {config.server.advertise_address, config.server.grpc_address}) {
    auto split = common::SplitHostPort(address);
    if (split.ok() && !split->host.empty() && split->host != "0.0.0.0" &&
        split->host != "::" &&
        std::find(names.begin(), names.end(), split->host) == names.end()) {
      names.push_back(split->host);
    }
  }
  return names;
}

}  // namespace

absl::StatusOr<std::optional<TlsMaterial>> LoadTlsMaterial(const Config& config) {
  if (config.tls.cert_file.empty() && !config.tls.auto_certificate) return std::nullopt;
  TlsMaterial m;
  auto read = [](const std::string& setting, const std::string& path,
                 std::string* out) -> absl::Status {
    if (path.empty()) return absl::OkStatus();
    auto text = ReadPem(setting, path);
    if (!text.ok()) return text.status();
    *out = std::move(*text);
    return absl::OkStatus();
  };
  auto client_auth = net::ParseClientAuth(config.tls.client_auth);
  if (!client_auth.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-client-auth: ", std::string(client_auth.status().message())));
  }
  m.server.client_auth = *client_auth;
  m.server.cert_file = config.tls.cert_file;
  m.server.key_file = config.tls.key_file;
  m.server.client_ca_file =
      config.tls.client_ca_file.empty() ? config.tls.ca_file : config.tls.client_ca_file;
  m.server.reload_interval_seconds =
      static_cast<int>(absl::ToInt64Seconds(config.tls.reload_interval));
  m.server.min_tls13 = config.tls.min_version == "1.3";
  std::string ca;
  for (auto status : {
           read("--tls-cert", config.tls.cert_file, &m.server.cert_chain_pem),
           read("--tls-key", config.tls.key_file, &m.server.private_key_pem),
           read("--tls-ca", config.tls.ca_file, &ca),
           read("--tls-client-ca", config.tls.client_ca_file, &m.server.client_ca_pem),
           read("--tls-peer-cert", config.tls.peer_cert_file, &m.peers.cert_chain_pem),
           read("--tls-peer-key", config.tls.peer_key_file, &m.peers.private_key_pem),
       }) {
    if (!status.ok()) return status;
  }
  if (config.tls.auto_certificate) {
    auto made = MakeSelfSignedCertificate(AutoCertificateNames(config), absl::Hours(24 * 365));
    if (!made.ok()) return made.status();
    m.server.cert_chain_pem = std::move(made->certificate_pem);
    m.server.private_key_pem = std::move(made->private_key_pem);
  } else if (auto s = CheckCertificate("--tls-cert", config.tls.cert_file,
                                       m.server.cert_chain_pem, &m.server.private_key_pem,
                                       "--tls-key");
             !s.ok()) {
    return s;
  }
  if (!ca.empty()) {
    if (auto s = CheckCertificate("--tls-ca", config.tls.ca_file, ca, nullptr, ""); !s.ok()) {
      return s;
    }
  }
  if (!m.server.client_ca_pem.empty()) {
    if (auto s = CheckCertificate("--tls-client-ca", config.tls.client_ca_file,
                                  m.server.client_ca_pem, nullptr, "");
        !s.ok()) {
      return s;
    }
  } else {
    m.server.client_ca_pem = ca;
  }
  if (!m.peers.cert_chain_pem.empty()) {
    if (auto s = CheckCertificate("--tls-peer-cert", config.tls.peer_cert_file,
                                  m.peers.cert_chain_pem, &m.peers.private_key_pem,
                                  "--tls-peer-key");
        !s.ok()) {
      return s;
    }
  } else {  // as Gubernator: the server certificate is also the peer-client certificate
    m.peers.cert_chain_pem = m.server.cert_chain_pem;
    m.peers.private_key_pem = m.server.private_key_pem;
  }
  m.peers.ca_pem = ca;
  m.peers.server_name = config.tls.peer_server_name;
  return m;
}

}  // namespace sluice::server
