// ClusterRouter: the Router of a node in a cluster (reference/gubernator.md §2.1 steps 5–9,
// §3.3–3.5; DESIGN.md §2, §5).
//
// For each request it finds the key's owner on the current ClusterView's ring:
//  * this node → evaluated on the local limiter (a GLOBAL request is then queued for broadcast);
//  * GLOBAL, owned elsewhere → answered at once from this node's replica (NO_BATCHING set,
//    GLOBAL cleared, error prefix "Error in getGlobalRateLimit: during in getLocalRateLimit:
//    during workerPool.GetRateLimit: "), and the hits are queued for the owner (GlobalSync);
//  * otherwise → forwarded to the owner's PeerClient (batched).
// Every answer for a key owned elsewhere carries the owner's address (`owner` metadata).
//
// Forwarding failures: CANCELLED (the peer's client was shut down by a membership change) is
// retried after re-resolving the owner; DEADLINE_EXCEEDED is retried only when re-resolution
// finds a different owner (retrying the peer that just timed out would multiply the client's
// wait). At most `max_retries` retries; an owner that became this node is evaluated locally.
// A final failure is a per-item error "while fetching rate limit '<key>' from peer: <cause>"
// (the cause names the peer), or "GetPeer() keeps returning peers that are not connected for
// '<key>': <cause>" once retries are exhausted — or, with `fail_open`, the local limiter's
// answer (still with the intended owner's address), or the `on_peer_failure` policy's answer
// (peer_failure_policy.h; `local` divides the limit by the ring's members minus the peers whose
// last forward failed). No thread waits for a peer.
//
// Membership: SetPeers (the Membership callback) builds a new ClusterView and swaps it in; the
// clients of peers that left are shut down after the swap, failing their queued items with
// CANCELLED so those items move to the new owner.
//
// Thread safety: Route, SetPeers and the accessors may be called from any thread concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "cluster/cluster_metrics.h"
#include "cluster/cluster_view.h"
#include "cluster/global_sync.h"
#include "cluster/owner_check_recorder.h"
#include "cluster/peer_client.h"
#include "cluster/peer_failure_policy.h"
#include "cluster/peer_handler.h"
#include "cluster/router.h"
#include "core/admission.h"
#include "core/clock.h"
#include "core/limiter.h"

namespace sluice::cluster {

struct ClusterRouterOptions {
  // Data center and ring parameters. Default: "" and Gubernator's ring.
  ClusterViewOptions view;
  // GLOBAL queues. Default: see GlobalSyncOptions.
  GlobalSyncOptions global;
  // Treat every request as GLOBAL (GUBER_FORCE_GLOBAL). Default: false.
  bool force_global = false;
  // On a forwarding failure answer from the local limiter, with the whole limit, instead of an
  // item error. Default: false (fail closed, as Gubernator).
  bool fail_open = false;
  // What to answer when a key's owner cannot be reached (cluster/peer_failure_policy.h); used
  // when fail_open is off. Default: kError (an item error, as Gubernator).
  PeerFailurePolicy on_peer_failure = PeerFailurePolicy::kError;
  // Retries of a forward after CANCELLED/DEADLINE_EXCEEDED (Gubernator: 5). Default: 5.
  int max_retries = 5;
  // Checks on the items peers send through PeersV1. Default: see core::AdmissionOptions.
  core::AdmissionOptions admission;
};

class ClusterRouter final : public Router {
 public:
  // `limiter`, `clock` (drives GLOBAL flushes), `metrics` (the router's and GLOBAL's counters)
  // and `door_metrics` (the decisions and admission of PeersV1, counted by the peer handler)
  // must outlive the router; either may be null. Starts the GLOBAL flush thread. Until the
  // first SetPeers the ring is empty and every item gets Gubernator's "unable to pick a peer;
  // pool is empty" error.
  ClusterRouter(core::Limiter& limiter, const core::Clock& clock, PeerClientFactory factory,
                ClusterRouterOptions options, const ClusterMetrics* metrics = nullptr,
                const OwnerCheckRecorder* door_metrics = nullptr);
  ~ClusterRouter() override;  // Stop()s

  void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) override;

  // Applies a membership report. An invalid list (see BuildClusterView) is logged and ignored:
  // the previous view stays.
  absl::Status SetPeers(std::vector<PeerInfo> peers);

  // The current view (never null; empty before the first SetPeers).
  std::shared_ptr<const ClusterView> view() const;

  GlobalSync& global_sync() { return global_; }
  PeerHandler& peer_handler() { return peer_handler_; }

  // Stops GLOBAL syncing, shuts every peer client down and waits for forwards in flight (at
  // most the batch timeout). Call after the servers stopped taking requests. Idempotent.
  void Stop();

 private:
  struct Call;

  // Routes one item on `view` (used only during the call: forwards capture nothing from it).
  void RouteOne(const ClusterView& view, const std::shared_ptr<Call>& call, size_t index,
                core::RateLimitRequest request, int attempt);
  void Forwarded(const std::shared_ptr<Call>& call, size_t index, core::RateLimitRequest request,
                 int attempt, const std::string& owner,
                 absl::StatusOr<core::RateLimitResponse> result);
  void Finish(const std::shared_ptr<Call>& call);
  // The answer under options_.on_peer_failure (not kError) for a request whose owner failed.
  core::RateLimitResponse PolicyAnswer(const core::RateLimitRequest& request, int64_t now);
  // Records the outcome of a forward to `owner` for the healthy-node count.
  void NoteOwner(const std::string& owner, bool failed);
  // Members of the current view minus the peers whose last forward failed (at least 1).
  int64_t HealthyNodes() const;

  core::Limiter& limiter_;
  const core::Clock& clock_;
  const PeerClientFactory factory_;
  const ClusterRouterOptions options_;
  const ClusterRouterMetrics* const metrics_;  // may be null

  mutable absl::Mutex view_mu_;
  std::shared_ptr<const ClusterView> view_ ABSL_GUARDED_BY(view_mu_);
  absl::Mutex set_peers_mu_;  // serializes SetPeers (view building reads the previous view)

  GlobalSync global_;
  PeerHandler peer_handler_;

  std::atomic<bool> stopped_{false};

  mutable absl::Mutex failing_mu_;
  // Owners whose last forward failed, until one succeeds again.
  absl::flat_hash_set<std::string> failing_ ABSL_GUARDED_BY(failing_mu_);
  std::atomic<bool> any_failing_{false};  // !failing_.empty(), read without the lock

  absl::Mutex flight_mu_;
  int in_flight_ ABSL_GUARDED_BY(flight_mu_) = 0;  // forwards whose callback has not finished
};

}  // namespace sluice::cluster
