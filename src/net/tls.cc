#include "net/tls.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <array>
#include <utility>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"

namespace sluice::net {
namespace {

constexpr std::array<std::pair<std::string_view, ClientAuth>, 5> kClientAuthNames = {{
    {"none", ClientAuth::kNone},
    {"request-cert", ClientAuth::kRequest},
    {"verify-cert", ClientAuth::kVerifyIfGiven},
    {"require-any-cert", ClientAuth::kRequireAny},
    {"require-and-verify", ClientAuth::kRequireAndVerify},
}};

grpc_ssl_client_certificate_request_type GrpcRequestType(ClientAuth mode) {
  switch (mode) {
    case ClientAuth::kNone:
      return GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    case ClientAuth::kRequest:
      return GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY;
    case ClientAuth::kVerifyIfGiven:
      return GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
    case ClientAuth::kRequireAny:
      return GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY;
    case ClientAuth::kRequireAndVerify:
      return GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
}

}  // namespace

absl::StatusOr<ClientAuth> ParseClientAuth(std::string_view name) {
  std::string allowed;
  for (const auto& [text, mode] : kClientAuthNames) {
    if (name == text) return mode;
    allowed += allowed.empty() ? "" : ", ";
    allowed += text;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown TLS client auth '", std::string(name), "' (allowed: ", allowed, ")"));
}

std::string_view ClientAuthName(ClientAuth mode) {
  for (const auto& [text, m] : kClientAuthNames) {
    if (m == mode) return text;
  }
  return "none";
}

std::shared_ptr<grpc::ServerCredentials> GrpcServerCredentials(const ServerTls& tls) {
  if (tls.reload_interval_seconds > 0 && !tls.cert_file.empty()) {
    // gRPC 1.51 can swap certificates only through a certificate provider (experimental API).
    auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, tls.client_ca_file,
        static_cast<unsigned>(tls.reload_interval_seconds));
    grpc::experimental::TlsServerCredentialsOptions options(provider);
    options.watch_identity_key_cert_pairs();
    if (!tls.client_ca_file.empty()) options.watch_root_certs();
    options.set_cert_request_type(GrpcRequestType(tls.client_auth));
    return grpc::experimental::TlsServerCredentials(options);
  }
  grpc::SslServerCredentialsOptions options(GrpcRequestType(tls.client_auth));
  options.pem_root_certs = tls.client_ca_pem;
  options.pem_key_cert_pairs.push_back({tls.private_key_pem, tls.cert_chain_pem});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> GrpcChannelCredentials(const ClientTls& tls) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_pem;
  options.pem_private_key = tls.private_key_pem;
  options.pem_cert_chain = tls.cert_chain_pem;
  return grpc::SslCredentials(options);
}

std::string VerifiedClientCommonName(ssl_st* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  std::string name;
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length >= 0) name.assign(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
    OPENSSL_free(utf8);
  }
  X509_free(cert);
  return name;
}

}  // namespace sluice::net
