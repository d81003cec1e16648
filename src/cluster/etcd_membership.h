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
// Threads: one loop thread registers, keeps alive, lists and calls on_change, starting at once
// (Start never waits for etcd, so an unreachable etcd does not delay a node's startup; failures
// are logged and retried every round). Thread safety: as Membership; peers() and stats() from
// any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/etcd_client.h"
#include "cluster/membership.h"

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
};

// Counters since construction.
struct EtcdMembershipStats {
  uint64_t polls = 0;          // reads of the prefix
  uint64_t failed_polls = 0;   // ... that failed (last list kept)
  uint64_t registrations = 0;  // successful lease grant + put
  uint64_t keepalives = 0;     // successful keep-alives
  uint64_t changes = 0;        // lists reported to on_change
};

class EtcdMembership final : public Membership {
 public:
  explicit EtcdMembership(EtcdMembershipOptions options);
  ~EtcdMembership() override;  // Stop()s
  EtcdMembership(const EtcdMembership&) = delete;
  EtcdMembership& operator=(const EtcdMembership&) = delete;

  // InvalidArgument for bad options, FailedPrecondition if already started.
  absl::Status Start(PeersChangedCallback on_change) override;
  // Stops the loop, deletes this node's key and revokes its lease (best effort).
  void Stop() override;

  std::vector<PeerInfo> peers() const;
  EtcdMembershipStats stats() const;

  // The JSON PeerInfo written for `peer`, and its inverse (non-JSON → bare grpc address).
  static std::string EncodePeer(const PeerInfo& peer);
  static PeerInfo DecodePeer(const std::string& value);

 private:
  absl::Status ValidateOptions() const;
  // One round: register or keep alive as due, then list and report.
  void Round() ABSL_LOCKS_EXCLUDED(round_mu_);
  void Register() ABSL_EXCLUSIVE_LOCKS_REQUIRED(round_mu_);
  void Loop();

  const EtcdMembershipOptions options_;
  const std::string self_key_;
  std::unique_ptr<EtcdClient> client_;

  // Serializes rounds (and on_change calls); never acquired while holding mu_.
  absl::Mutex round_mu_;
  PeersChangedCallback on_change_ ABSL_GUARDED_BY(round_mu_);
  int64_t lease_ ABSL_GUARDED_BY(round_mu_) = 0;  // 0: not registered
  absl::Time next_keepalive_ ABSL_GUARDED_BY(round_mu_);
  std::vector<PeerInfo> last_reported_ ABSL_GUARDED_BY(round_mu_);
  bool reported_ ABSL_GUARDED_BY(round_mu_) = false;

  mutable absl::Mutex mu_;
  std::vector<PeerInfo> peers_ ABSL_GUARDED_BY(mu_);
  EtcdMembershipStats stats_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace sluice::cluster
