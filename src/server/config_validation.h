// Config validation, one validator per section of Config (config.h): each checks what its own
// component's settings must satisfy and names the flag at fault ("--dns-fqdn: required with
// --discovery dns"). Validate (config.h) calls them all at parse time, so a bad value stops
// `sluice` before any port is bound and `sluice --validate` reports it with its source.
// Contradictions between modes (mesh mode with a discovery backend, ...) are ResolveMode's
// (mode_settings.h).
//
// Thread safety: pure functions.
#pragma once

#include "absl/status/status.h"
#include "server/config.h"

namespace sluice::server {

// Listen and advertise addresses (listeners may take port 0; the advertise address may not, nor a
// wildcard host).
absl::Status ValidateServerSettings(const ServerSettings& server);
// The byte budget holds one longest key in every store shard.
absl::Status ValidateStoreSettings(const StoreSettings& store);
// The active discovery backend's required settings, static peers, forwarding deadlines.
absl::Status ValidateClusterSettings(const ClusterSettings& cluster);
// Gossip addresses and periods; call only when the node gossips (Config::gossip()).
absl::Status ValidateMeshSettings(const MeshSettings& mesh);
// The counter admin's access: --admin-client-cn needs --admin and verified client certificates,
// and verified client certificates with --admin need --admin-client-cn.
absl::Status ValidateAdminSettings(const ServerSettings& server, const TlsSettings& tls);
// Certificate and key pairs, the settings that need TLS on, client-auth CAs, reload period.
absl::Status ValidateTlsSettings(const TlsSettings& tls);

}  // namespace sluice::server
