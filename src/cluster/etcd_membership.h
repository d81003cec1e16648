// EtcdMembership: peers registered under a key prefix in etcd v3 (Gubernator's `etcd`
// discovery, reference/gubernator.md §3.9), spoken through etcd's JSON gateway (EtcdClient).
//
// Registration: this node writes `<prefix><grpc_address>` = JSON PeerInfo
// {"grpc-address":…,"http-address":…,"data-center":…} under a lease of `lease_ttl`, refreshed
// every lease_ttl/3. A lease that is gone (expired while etcd was unreachable, or revoked) or a
// key that vanished is registered again on the next round. Stop() deletes the key and revokes
// the lease, so the others see this node leave within one poll.
//
// Listing: every `poll_interval` the prefix is read whole (a range request — simpler and
// sturdier over the HTTP gateway than a streaming watch; the cost is up to one interval of
// delay). A value that is not JSON is taken as a bare gRPC address, as Gubernator does. Peers
// are sorted by grpc_address, self marked by this node's address; on_change fires when the list
// differs from the last one reported. A failed read keeps the last list.
//
// Threads: one loop thread (PollingMembership's) registers, keeps alive, lists and calls
// on_change, starting at once (Start never waits for etcd, so an unreachable etcd does not delay
// a node's startup; failures are logged and retried every round). Thread safety: as Membership;
// peers() from any thread. Counted in MembershipMetrics: polls, changes, registrations and
// keep-alives.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cluster/etcd_client.h"
#include "cluster/polling_membership.h"

namespace sluice::cluster {

struct EtcdMembershipOptions {
  // etcd client URLs, "host:port" or "http://host:port" (GUBER_ETCD_ENDPOINTS).
  // Default: localhost:2379.
  std::vector<std::string> endpoints = {"localhost:2379"};
  // Key prefix of every registration (GUBER_ETCD_KEY_PREFIX; no trailing slash, as Gubernator's
  // daemon). Default: /gubernator-peers.
  std::string key_prefix = "/gubernator-peers";
  // This node as registered: grpc_address (its advertise address) is required.
  PeerInfo self;
  // Lease TTL; keep-alive every third of it. At least 2 s. Default: 30 s.
  absl::Duration lease_ttl = absl::Seconds(30);
  // Time between reads of the prefix; must be > 0. Default: 1 s.
  absl::Duration poll_interval = absl::Seconds(1);
  // Timeout of each etcd request (GUBER_ETCD_DIAL_TIMEOUT). Default: 5 s.
  absl::Duration timeout = absl::Seconds(5);
  // TLS to etcd (GUBER_ETCD_TLS_*). Default: plaintext.
  EtcdTlsOptions tls;
  // etcd auth (GUBER_ETCD_USER, GUBER_ETCD_PASSWORD); "" = none. Default: "".
  std::string user;
  std::string password;
};

class EtcdMembership final : public PollingMembership {
 public:
  // `metrics` (may be null) must outlive this object.
  explicit EtcdMembership(EtcdMembershipOptions options,
                          const MembershipMetrics* metrics = nullptr);
  ~EtcdMembership() override;  // Stop()s
  EtcdMembership(const EtcdMembership&) = delete;
  EtcdMembership& operator=(const EtcdMembership&) = delete;

  // The JSON PeerInfo written for `peer`, and its inverse (non-JSON → bare grpc address).
  static std::string EncodePeer(const PeerInfo& peer);
  static PeerInfo DecodePeer(const std::string& value);

 private:
  absl::Status ValidateOptions() const override;
  void Starting() override;
  // One round: register or keep alive as due, then list the prefix.
  absl::StatusOr<std::vector<PeerInfo>> Poll() override;
  // Deletes this node's key and revokes its lease (best effort).
  void Leave() override;
  void Register();

  const EtcdMembershipOptions options_;
  const std::string self_key_;
  std::unique_ptr<EtcdClient> client_;  // set by Starting, before the first round

  // Touched only by rounds and Leave, which PollingMembership serializes.
  int64_t lease_ = 0;  // 0: not registered
  absl::Time next_keepalive_;
};

}  // namespace sluice::cluster
