// GlobalSync: the background half of GLOBAL rate limits (reference/gubernator.md §3.5).
//
// A non-owner answers a GLOBAL request from its own replica at once and queues the request here
// (QueueHits). Hits are aggregated per key — summed, RESET_REMAINING OR-ed in, the first request
// is the template — and sent to each key's owner as one GetPeerRateLimits call per owner when
// the oldest queued key has waited `sync_wait`, or at once when `batch_limit` keys are queued.
// A RESET_REMAINING request is queued even with hits 0 (Gubernator drops it: §9 item 7).
//
// The owner applies GLOBAL hits with DRAIN_OVER_LIMIT (ApplyAsOwner, also used for aggregated
// hits whose owner has become this node) and queues every applied GLOBAL request with hits != 0
// or RESET_REMAINING for broadcast (QueueBroadcast; latest request per key). A broadcast reads
// each key's current state with a hits=0 evaluation whose RESET_REMAINING bit is cleared — the
// read never resets the bucket again (Gubernator's does: §9 item 8) — and sends one
// UpdatePeerGlobals to every other local peer.
//
// Time: every entry point takes `now` (epoch ms, the caller's clock); the logic never reads a
// clock, so tests drive it with explicit times. Start() adds a driver thread that calls
// FlushDue(clock.NowMillis()) every few milliseconds. Sends are asynchronous (PeerClient);
// their callbacks only count. Overshoot bound: see docs/cluster.md.
//
// Thread safety: every method may be called from any thread concurrently, except that Start and
// Stop belong to the owner. Stop() waits for sends in flight (bounded by the global timeout).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/cluster_metrics.h"
#include "cluster/cluster_view.h"
#include "core/clock.h"
#include "core/limiter.h"

namespace sluice::cluster {

struct GlobalSyncOptions {
  // How long the first queued key waits before its queue is flushed (GUBER_GLOBAL_SYNC_WAIT).
  // Default: 100 ms.
  absl::Duration sync_wait = absl::Milliseconds(100);
  // Distinct keys that flush a queue at once; also the most keys per call (GUBER_GLOBAL_BATCH_
  // LIMIT); 1..1000. Default: 1000.
  int batch_limit = 1000;
};

class GlobalSync {
 public:
  // The current cluster view (may return null before the first membership report).
  using ViewSource = std::function<std::shared_ptr<const ClusterView>()>;

  // `limiter` and `metrics` (may be null) must outlive this object.
  GlobalSync(core::Limiter& limiter, ViewSource view, GlobalSyncOptions options,
             const GlobalSyncMetrics* metrics = nullptr);
  ~GlobalSync();  // Stop()s
  GlobalSync(const GlobalSync&) = delete;
  GlobalSync& operator=(const GlobalSync&) = delete;

  // Non-owner: aggregates a GLOBAL request (GLOBAL bit set, created_at stamped) for its owner.
  void QueueHits(const core::RateLimitRequest& request, int64_t now);

  // Owner: applies GLOBAL hits from a peer (or from this node's own aggregate) with
  // DRAIN_OVER_LIMIT added, queues the request for broadcast, and returns the raw answer (no
  // error prefix).
  core::RateLimitResponse ApplyAsOwner(const core::RateLimitRequest& request, int64_t now);

  // Owner: queues `request`'s key for the next broadcast if it has hits or RESET_REMAINING.
  void QueueBroadcast(const core::RateLimitRequest& request, int64_t now);

  // Flushes each queue whose oldest key has waited sync_wait at `now`.
  void FlushDue(int64_t now);
  // Flushes both queues now.
  void FlushAll(int64_t now);

  // Starts the driver thread (FlushDue with `clock`, which must outlive this object).
  void Start(const core::Clock& clock);
  // Stops the driver and waits for sends in flight. Queued keys are dropped. Idempotent.
  void Stop();

  // The counters given at construction (may be null); the peer handler counts the
  // UpdatePeerGlobals it applies in them too.
  const GlobalSyncMetrics* metrics() const { return metrics_; }
  // Keys waiting in the hits and broadcast queues.
  std::pair<size_t, size_t> queued() const;

 private:
  struct HitsQueue {
    absl::flat_hash_map<std::string, core::RateLimitRequest> keys;  // aggregated request
    int64_t since = 0;                                              // first key's now
  };
  struct BroadcastQueue {
    absl::flat_hash_map<std::string, core::RateLimitRequest> keys;  // latest request
    int64_t since = 0;
  };

  void SendHits(absl::flat_hash_map<std::string, core::RateLimitRequest> keys, int64_t now);
  void SendBroadcast(absl::flat_hash_map<std::string, core::RateLimitRequest> keys, int64_t now);
  void UpdateQueueGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts a call about to be sent; false (send nothing) once Stop() has begun.
  bool CallStarted();
  void CallFinished();
  void DriverLoop(const core::Clock& clock);

  core::Limiter& limiter_;
  const ViewSource view_;
  const GlobalSyncOptions options_;
  const GlobalSyncMetrics* const metrics_;  // may be null

  mutable absl::Mutex mu_;
  HitsQueue hits_ ABSL_GUARDED_BY(mu_);
  BroadcastQueue broadcast_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread driver_;  // touched only by Start and Stop
};

}  // namespace sluice::cluster
