// TLS material for the doors and the peer links, as PEM text already read from files, and the
// gRPC credentials built from it. The HTTP server builds its own OpenSSL context from the same
// ServerTls (http_server.cc), so both doors accept the same certificates and client-auth mode.
//
// Client-auth modes use Gubernator's names (GUBER_TLS_CLIENT_AUTH):
//   none                no client certificate asked for (default)
//   request-cert        asked for, not required, not verified
//   verify-cert         verified if given, not required
//   require-any-cert    required, not verified
//   require-and-verify  required and verified against the client CA (mTLS)
//
// Thread safety: plain values and pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct ssl_st;  // OpenSSL's SSL

namespace grpc {
class ServerCredentials;
class ChannelCredentials;
}  // namespace grpc

namespace sluice::net {

enum class ClientAuth { kNone, kRequest, kVerifyIfGiven, kRequireAny, kRequireAndVerify };

// Gubernator's names above → the mode; anything else is an error listing the allowed names.
absl::StatusOr<ClientAuth> ParseClientAuth(std::string_view name);
std::string_view ClientAuthName(ClientAuth mode);

// What a listener presents and how it checks clients.
struct ServerTls {
  std::string cert_chain_pem;  // this node's certificate (and intermediates)
  std::string private_key_pem;
  std::string client_ca_pem;   // verifies client certificates; needed by the verifying modes
  ClientAuth client_auth = ClientAuth::kNone;
  bool min_tls13 = false;      // refuse TLS 1.2 (HTTP door; gRPC uses its library's minimum)
  // Where the PEM text came from. With a reload interval the gRPC listener re-reads these files
  // that often (gRPC's file watcher) and picks up rotated certificates without a restart.
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  int reload_interval_seconds = 0;  // 0: the PEM text above, fixed for the server's life
};

// How this node dials its peers over TLS.
struct ClientTls {
  std::string ca_pem;           // roots that verify the peers; empty = the system's roots
  std::string cert_chain_pem;   // presented to peers that ask (mTLS); may be empty
  std::string private_key_pem;
  std::string server_name;      // expected name in the peers' certificates; "" = the host dialled
};

// The common name (UTF-8) of the certificate the peer of `ssl` presented, when OpenSSL verified
// it (X509_V_OK); "" when none was presented or verification failed or was not asked for.
std::string VerifiedClientCommonName(ssl_st* ssl);

std::shared_ptr<grpc::ServerCredentials> GrpcServerCredentials(const ServerTls& tls);
// The credentials only; the server-name override is a channel argument
// (cluster::PeerChannelSecurity carries it for peer links).
std::shared_ptr<grpc::ChannelCredentials> GrpcChannelCredentials(const ClientTls& tls);

}  // namespace sluice::net
