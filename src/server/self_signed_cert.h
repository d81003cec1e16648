// MakeSelfSignedCertificate: a fresh EC P-256 key and a self-signed X.509 certificate for it,
// made with OpenSSL in memory (--tls-auto, Gubernator's GUBER_TLS_AUTO). Nothing is written to
// disk; every start makes a new pair.
//
// Thread safety: pure function (uses OpenSSL's thread-safe RNG).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sluice::server {

struct CertificateAndKey {
  std::string certificate_pem;
  std::string private_key_pem;
};

// `names` become the subject alternative names (an IPv4 or IPv6 literal as an IP entry, anything
// else as a DNS entry); the first is also the common name. Valid from an hour ago (clock skew)
// for `validity`.
absl::StatusOr<CertificateAndKey> MakeSelfSignedCertificate(const std::vector<std::string>& names,
                                                            absl::Duration validity);

}  // namespace sluice::server
