// TlsFiles: reads the PEM files the TLS settings name and checks them before any listener
// starts, so a missing file, a key that does not match its certificate or a CA that is not a
// certificate stops startup with a message naming the setting, instead of a vague listen error.
//
// Thread safety: pure function (reads files).
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "net/tls.h"
#include "server/config.h"

namespace sluice::server {

struct TlsMaterial {
  net::ServerTls server;  // both listeners
  net::ClientTls peers;   // links to cluster peers
};

// nullopt when TLS is off (no --tls-cert).
absl::StatusOr<std::optional<TlsMaterial>> LoadTlsMaterial(const Config& config);

}  // namespace sluice::server
