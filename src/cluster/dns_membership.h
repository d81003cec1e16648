// DnsMembership: peers are the A and AAAA records of one or more FQDNs (typically a Kubernetes
// headless service), re-resolved periodically (Gubernator's `dns` discovery, reference §3.9).
//
// Each resolution round resolves every FQDN; the peers are each distinct address joined with the
// advertise address's port ("10.0.0.7:1051", "[fd00::7]:1051"), sorted by grpc_address, self
// marked by comparing with the advertise address (MarkSelf). on_change fires only when that
// sorted list differs from the last one reported. A round keeps the last good list, and reports
// nothing, when any FQDN fails to resolve for a reason other than "no such name/no records", or
// when the union of all answers is empty — a flaky resolver never empties the ring.
//
// Threads (PollingMembership's loop): Start runs the first round inline, so on_change may run on
// Start's caller; later rounds run on the membership's own thread every `interval`. ResolveOnce()
// may also be called by tests. Rounds (and so on_change calls) are serialized; after Stop()
// returns none runs. Unlike Gubernator, the period is fixed rather than the records' TTL
// (getaddrinfo hides TTLs).
//
// Thread safety: Start/Stop from the owner thread; ResolveOnce and peers() from any.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cluster/polling_membership.h"
#include "common/host_port.h"

namespace sluice::cluster {

// Resolves one FQDN to IP address literals ("10.0.0.7", "fd00::7", no brackets). NotFound means
// the name exists in no form (or has no addresses); any other error is treated as transient.
using DnsResolver = std::function<absl::StatusOr<std::vector<std::string>>(std::string_view fqdn)>;

// The default DnsResolver: getaddrinfo (so /etc/hosts and nsswitch apply) for both families,
// distinct addresses in the order returned. Blocks for as long as the system resolver does.
absl::StatusOr<std::vector<std::string>> ResolveWithGetaddrinfo(std::string_view fqdn);

struct DnsMembershipOptions {
  // Names whose A/AAAA records are the peers (GUBER_DNS_FQDN). Required, each non-empty.
  std::vector<std::string> fqdns;
  // This node's gRPC address as peers dial it (host:port). Required: its port is every peer's
  // gRPC port, and it identifies self.
  std::string advertise_address;
  // When set, each peer's http_address is its IP with this port. Default: 0 (left empty).
  uint16_t http_port = 0;
  // Time between resolution rounds; must be > 0. Default: 5 s.
  absl::Duration interval = absl::Seconds(5);
  // How names are resolved. Default: ResolveWithGetaddrinfo.
  DnsResolver resolver = ResolveWithGetaddrinfo;
};

class DnsMembership final : public PollingMembership {
 public:
  // `metrics` (may be null) must outlive this object; a round that keeps the last good list
  // (an error or an empty answer) counts as a failed poll.
  explicit DnsMembership(DnsMembershipOptions options, const MembershipMetrics* metrics = nullptr);
  ~DnsMembership() override;  // Stop()s

  // Runs one resolution round now (see the class comment) and returns its outcome: OK if the list
  // was updated or unchanged, otherwise why the last good list was kept. Reports to on_change
  // only between Start and Stop. Must not be called from on_change.
  absl::Status ResolveOnce() { return RunRound(); }

 private:
  absl::Status ValidateOptions() const override;
  absl::StatusOr<std::vector<PeerInfo>> Poll() override;

  const DnsMembershipOptions options_;
  const absl::StatusOr<common::HostPort> advertise_;  // options_.advertise_address, parsed
};

}  // namespace sluice::cluster
