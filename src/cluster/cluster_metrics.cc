#include "cluster/cluster_metrics.h"

#include <string>

namespace sluice::cluster {
namespace {

// Items per forwarding RPC; Gubernator's batch limit is 1000.
constexpr double kBatchSizeBuckets[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};

constexpr std::string_view kRouted =
    "Rate-limit items routed by the cluster router, by route (owner: evaluated here as the "
    "key's owner; global_replica: a GLOBAL key answered from this node's replica; forwarded: "
    "forwards to the owner started, retries included; fail_open: the owner failed and "
    "--fail-open answered here; peer_error: the owner failed and the item got an error).";
constexpr std::string_view kPolicyAnswers =
    "Items whose owner could not be reached, answered under --on-peer-failure, by policy (error: a "
    "per-item error; allow, deny, local).";
constexpr std::string_view kPolls =
    "Polls of the DNS or etcd discovery, by result (ok, or failed: the last list is kept).";
constexpr std::string_view kGlobalErrors =
    "Failed GLOBAL operations, by op (send: hits to an owner; broadcast: state to peers).";
constexpr std::string_view kGlobalKeys =
    "GLOBAL keys handled, by op (sent: aggregated keys sent to their owners; applied_as_owner: "
    "hits applied by this node as the owner; dropped: aggregated keys with no owner; broadcast: "
    "keys read for a broadcast).";
constexpr std::string_view kGlobalQueue =
    "GLOBAL keys waiting, by queue (send: hits for owners; broadcast: state for peers).";

}  // namespace

PeerClientMetrics::PeerClientMetrics(obs::Registry& r)
    : forwarded_items(r.AddCounter("sluice_peer_forwarded_items_total",
                                   "Rate-limit items forwarded to their owner.")),
      batch_size(r.AddHistogram("sluice_peer_batch_size",
                                "Items per GetPeerRateLimits RPC sent to an owner.", {},
                                kBatchSizeBuckets)),
      errors(r.AddCounter("sluice_peer_errors_total",
                          "GetPeerRateLimits RPCs to an owner that failed.")) {}

void PeerClientMetrics::RecordBatch(size_t items, bool ok) const {
  forwarded_items->Increment(items);
  batch_size->Observe(static_cast<double>(items));
  if (!ok) errors->Increment();
}

ClusterRouterMetrics::ClusterRouterMetrics(obs::Registry& r)
    : owner(r.AddCounter("sluice_routed_items_total", kRouted, {{"route", "owner"}})),
      global_replica(
          r.AddCounter("sluice_routed_items_total", kRouted, {{"route", "global_replica"}})),
      forwarded(r.AddCounter("sluice_routed_items_total", kRouted, {{"route", "forwarded"}})),
      fail_open(r.AddCounter("sluice_routed_items_total", kRouted, {{"route", "fail_open"}})),
      peer_error(r.AddCounter("sluice_routed_items_total", kRouted, {{"route", "peer_error"}})),
      retries(r.AddCounter("sluice_peer_retries_total",
                           "Forwards retried after a cancelled or timed-out RPC.")),
      policy_error(
          r.AddCounter("sluice_peer_failure_answers_total", kPolicyAnswers, {{"policy", "error"}})),
      policy_allow(
          r.AddCounter("sluice_peer_failure_answers_total", kPolicyAnswers, {{"policy", "allow"}})),
      policy_deny(
          r.AddCounter("sluice_peer_failure_answers_total", kPolicyAnswers, {{"policy", "deny"}})),
      policy_local(
          r.AddCounter("sluice_peer_failure_answers_total", kPolicyAnswers, {{"policy", "local"}})),
      ring_changes(r.AddCounter("sluice_ring_changes_total",
                                "Membership reports applied to the ring.")),
      batch_retries_(r, "gubernator_batch_send_retries",
                     "The count of retries occurred in asyncRequest() forwarding a request to "
                     "another peer.",
                     "name") {}

void ClusterRouterMetrics::RecordRetry(std::string_view name) const {
  retries->Increment();
  batch_retries_.Get(name)->Increment();
}

void ClusterRouterMetrics::RecordPolicyAnswer(PeerFailurePolicy policy) const {
  switch (policy) {
    case PeerFailurePolicy::kAllow:
      policy_allow->Increment();
      break;
    case PeerFailurePolicy::kDeny:
      policy_deny->Increment();
      break;
    case PeerFailurePolicy::kLocal:
      policy_local->Increment();
      break;
    case PeerFailurePolicy::kError:
      policy_error->Increment();  // also route="peer_error"
      break;
  }
}

GlobalSyncMetrics::GlobalSyncMetrics(obs::Registry& r)
    : sends(r.AddCounter("sluice_global_sends_total",
                         "Flushes of aggregated GLOBAL hits to their owners.")),
      broadcasts(r.AddCounter("sluice_global_broadcasts_total",
                              "Broadcasts of GLOBAL state by an owner to its peers.")),
      send_errors(r.AddCounter("sluice_global_errors_total", kGlobalErrors, {{"op", "send"}})),
      broadcast_errors(
          r.AddCounter("sluice_global_errors_total", kGlobalErrors, {{"op", "broadcast"}})),
      updates_received(r.AddCounter("sluice_global_updates_received_total",
                                    "GLOBAL states received from owners.")),
      keys_sent(r.AddCounter("sluice_global_keys_total", kGlobalKeys, {{"op", "sent"}})),
      keys_applied_as_owner(
          r.AddCounter("sluice_global_keys_total", kGlobalKeys, {{"op", "applied_as_owner"}})),
      keys_dropped(r.AddCounter("sluice_global_keys_total", kGlobalKeys, {{"op", "dropped"}})),
      keys_broadcast(r.AddCounter("sluice_global_keys_total", kGlobalKeys, {{"op", "broadcast"}})),
      send_queue(r.AddGauge("sluice_global_queue_keys", kGlobalQueue, {{"queue", "send"}})),
      broadcast_queue(
          r.AddGauge("sluice_global_queue_keys", kGlobalQueue, {{"queue", "broadcast"}})),
      gubernator_send_duration(r.AddSummary("gubernator_global_send_duration",
                                            "The duration of GLOBAL async sends in seconds.")),
      gubernator_broadcast_duration(r.AddSummary(
          "gubernator_broadcast_duration", "The duration of GLOBAL broadcasts to peers in seconds.")),
      gubernator_send_errors(r.AddCounter("gubernator_global_send_errors",
                                          "Errors that occurred while sending global hits.")),
      gubernator_broadcast_errors(r.AddCounter(
          "gubernator_broadcast_errors", "Errors that occurred while broadcasting global updates.")),
      gubernator_updatepeerglobals(r.AddCounter(
          "gubernator_updatepeerglobals_counter", "The count of global updates received from owners.")),
      gubernator_send_queue_length(r.AddGauge(
          "gubernator_global_send_queue_length", "The count of requests queued up for global send.")),
      gubernator_queue_length(r.AddGauge("gubernator_global_queue_length",
                                         "The count of requests queued up for global broadcast.")) {}

void GlobalSyncMetrics::RecordSend(bool ok, size_t keys, double seconds) const {
  sends->Increment();
  keys_sent->Increment(keys);
  gubernator_send_duration->Observe(seconds);
  if (!ok) {
    send_errors->Increment();
    gubernator_send_errors->Increment();
  }
}

void GlobalSyncMetrics::RecordBroadcast(bool ok, double seconds) const {
  broadcasts->Increment();
  gubernator_broadcast_duration->Observe(seconds);
  if (!ok) {
    broadcast_errors->Increment();
    gubernator_broadcast_errors->Increment();
  }
}

void GlobalSyncMetrics::RecordUpdatesReceived(size_t updates) const {
  updates_received->Increment(updates);
  gubernator_updatepeerglobals->Increment(updates);
}

void GlobalSyncMetrics::SetQueueLengths(size_t send_keys, size_t broadcast_keys) const {
  send_queue->Set(static_cast<double>(send_keys));
  gubernator_send_queue_length->Set(static_cast<double>(send_keys));
  broadcast_queue->Set(static_cast<double>(broadcast_keys));
  gubernator_queue_length->Set(static_cast<double>(broadcast_keys));
}

MembershipMetrics::MembershipMetrics(obs::Registry& r)
    : polls_ok(r.AddCounter("sluice_discovery_polls_total", kPolls, {{"result", "ok"}})),
      polls_failed(r.AddCounter("sluice_discovery_polls_total", kPolls, {{"result", "failed"}})),
      changes(r.AddCounter("sluice_discovery_changes_total",
                           "Good DNS or etcd discovery polls whose peer list differed from the "
                           "previous good one.")),
      registrations(r.AddCounter("sluice_etcd_registrations_total",
                                 "etcd discovery: this node's key written under a new lease.")),
      keepalives(r.AddCounter("sluice_etcd_keepalives_total",
                              "etcd discovery: successful keep-alives of this node's lease.")) {}

}  // namespace sluice::cluster
