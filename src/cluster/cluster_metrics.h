// Cluster metrics: what each cluster component counts, one struct per component, registered on
// the Registry that /metrics renders (docs/operations.md#metrics). A component increments only
// its own struct and keeps no private counters beside it; tests read the Registry, so what they
// check is what /metrics exports. The node registers every struct in every mode, so each family
// exists, at 0, from the first scrape whatever the mode (alerts need not special-case modes).
// Registration is get-or-create (obs/registry.h), so two structs on one Registry share series.
//
// Thread safety: after construction every method may be called from any thread concurrently;
// recording takes no lock, except the first retry of a rate-limit name (one registration).
// The Registry must outlive the structs.
#pragma once

#include <cstddef>
#include <string_view>

#include "cluster/peer_failure_policy.h"
#include "obs/counter.h"
#include "obs/gauge.h"
#include "obs/histogram.h"
#include "obs/labeled_counters.h"
#include "obs/registry.h"
#include "obs/summary.h"

namespace sluice::cluster {

// GrpcPeerClient: forwarding batches sent to owners.
struct PeerClientMetrics {
  explicit PeerClientMetrics(obs::Registry& registry);
  // One GetPeerRateLimits RPC of `items` forwarded items finished (ok = the RPC succeeded).
  void RecordBatch(size_t items, bool ok) const;

  obs::Counter* forwarded_items;  // sluice_peer_forwarded_items_total
  obs::Histogram* batch_size;     // sluice_peer_batch_size (items per RPC; _count = RPCs)
  obs::Counter* errors;           // sluice_peer_errors_total (failed forwarding RPCs)
};

// ClusterRouter: how each item was routed, retries, failure-policy answers, ring changes.
struct ClusterRouterMetrics {
  explicit ClusterRouterMetrics(obs::Registry& registry);
  // A forward of rate limit `name` is retried after re-resolving its owner.
  void RecordRetry(std::string_view name) const;
  // An item whose owner failed was answered under --on-peer-failure `policy` (kError: an error).
  void RecordPolicyAnswer(PeerFailurePolicy policy) const;

  obs::Counter* owner;           // sluice_routed_items_total{route="owner"}: evaluated here
  obs::Counter* global_replica;  // {route="global_replica"}: GLOBAL, answered from the replica
  obs::Counter* forwarded;       // {route="forwarded"}: forwards started (retries included)
  obs::Counter* fail_open;       // {route="fail_open"}: owner failed, answered here
  obs::Counter* peer_error;      // {route="peer_error"}: owner failed, answered with an error
  obs::Counter* retries;         // sluice_peer_retries_total
  // sluice_peer_failure_answers_total{policy="error"|"allow"|"deny"|"local"}
  obs::Counter* policy_error;
  obs::Counter* policy_allow;
  obs::Counter* policy_deny;
  obs::Counter* policy_local;
  obs::Counter* ring_changes;  // sluice_ring_changes_total: membership reports applied

 private:
  obs::LabeledCounters batch_retries_;  // gubernator_batch_send_retries{name}
};

// GlobalSync and the owner's side of UpdatePeerGlobals.
struct GlobalSyncMetrics {
  explicit GlobalSyncMetrics(obs::Registry& registry);
  // A flush of `keys` aggregated keys to one owner finished.
  void RecordSend(bool ok, size_t keys, double seconds) const;
  // An owner's UpdatePeerGlobals broadcast to one peer finished.
  void RecordBroadcast(bool ok, double seconds) const;
  // `updates` globals arrived through UpdatePeerGlobals.
  void RecordUpdatesReceived(size_t updates) const;
  // Keys waiting to be sent to owners / to be broadcast.
  void SetQueueLengths(size_t send_keys, size_t broadcast_keys) const;

  obs::Counter* sends;                  // sluice_global_sends_total
  obs::Counter* broadcasts;             // sluice_global_broadcasts_total
  obs::Counter* send_errors;            // sluice_global_errors_total{op="send"}
  obs::Counter* broadcast_errors;       // sluice_global_errors_total{op="broadcast"}
  obs::Counter* updates_received;       // sluice_global_updates_received_total
  obs::Counter* keys_sent;              // sluice_global_keys_total{op="sent"}
  obs::Counter* keys_applied_as_owner;  // sluice_global_keys_total{op="applied_as_owner"}
  obs::Counter* keys_dropped;           // sluice_global_keys_total{op="dropped"} (no owner)
  obs::Counter* keys_broadcast;         // sluice_global_keys_total{op="broadcast"} (keys read)
  obs::Gauge* send_queue;               // sluice_global_queue_keys{queue="send"}
  obs::Gauge* broadcast_queue;          // sluice_global_queue_keys{queue="broadcast"}
  // Gubernator's names for the same (reference/gubernator.md §5.1).
  obs::Summary* gubernator_send_duration;       // gubernator_global_send_duration
  obs::Summary* gubernator_broadcast_duration;  // gubernator_broadcast_duration
  obs::Counter* gubernator_send_errors;         // gubernator_global_send_errors
  obs::Counter* gubernator_broadcast_errors;    // gubernator_broadcast_errors
  obs::Counter* gubernator_updatepeerglobals;   // gubernator_updatepeerglobals_counter
  obs::Gauge* gubernator_send_queue_length;     // gubernator_global_send_queue_length
  obs::Gauge* gubernator_queue_length;          // gubernator_global_queue_length
};

// The discovery backends that poll (PollingMembership: DNS, etcd). A node runs one discovery,
// so the series carry no backend label.
struct MembershipMetrics {
  explicit MembershipMetrics(obs::Registry& registry);

  obs::Counter* polls_ok;       // sluice_discovery_polls_total{result="ok"}
  obs::Counter* polls_failed;   // sluice_discovery_polls_total{result="failed"}: last list kept
  obs::Counter* changes;        // sluice_discovery_changes_total: good polls with a new list
  obs::Counter* registrations;  // sluice_etcd_registrations_total: lease grant + put
  obs::Counter* keepalives;     // sluice_etcd_keepalives_total: successful keep-alives
};

// Every cluster component's metrics, registered together by the node.
struct ClusterMetrics {
  explicit ClusterMetrics(obs::Registry& registry)
      : peer_client(registry), router(registry), global(registry), membership(registry) {}
  PeerClientMetrics peer_client;
  ClusterRouterMetrics router;
  GlobalSyncMetrics global;
  MembershipMetrics membership;
};

}  // namespace sluice::cluster
