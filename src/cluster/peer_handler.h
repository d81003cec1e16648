// PeerHandler: what this node does when a peer calls its PeersV1 service (reference/gubernator.md
// §1.2, §3.4, §3.5) — the logic behind the api/peers_service door.
//
// GetPeerRateLimits: this node is authoritative for every item (ownership is not re-checked, the
// forwarder already resolved it). Each item is evaluated on the local limiter; a GLOBAL item is
// applied with DRAIN_OVER_LIMIT added and queued for broadcast (GlobalSync::ApplyAsOwner). An
// algorithm error reads "Error in getLocalRateLimit: during workerPool.GetRateLimit: <cause>".
//
// UpdatePeerGlobals: each update replaces this node's replica of the key (no ownership check):
// expire_at = status.reset_time; token bucket {status, limit, duration, remaining, created_at =
// now}; leaky bucket {remaining, limit, duration, burst, updated_at = now}, where burst is the
// one the owner sent (metadata "burst"), else the replica's current burst, else status.limit
// (Gubernator always uses the limit: §9 item 9); fixed window {limit, window start = reset_time
// - duration, count = limit - remaining}. Updates of unknown algorithms are ignored.
//
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <vector>

#include "cluster/global_sync.h"
#include "cluster/owner_check_recorder.h"
#include "cluster/peer_client.h"
#include "core/admission.h"
#include "core/limiter.h"
#include "core/rate_limit.h"

namespace sluice::cluster {

class PeerHandler {
 public:
  // All three must outlive the handler; `metrics` (the doors' counts of admission and owner
  // checks) may be null.
  PeerHandler(core::Limiter& limiter, GlobalSync& global,
              const OwnerCheckRecorder* metrics = nullptr,
              core::AdmissionOptions admission = {})
      : limiter_(limiter), global_(global), metrics_(metrics), admission_(admission) {}

  // Answers index-aligned. Each request passes core/admission.h first (PeersV1 listens on the
  // public gRPC port, so a caller may skip the forwarding door's checks): an item it rejects
  // gets its error; created_at 0 is stamped with `now`, others clamped to the allowed skew.
  // The caller has already rejected lists over kMaxPeerBatch.
  std::vector<core::RateLimitResponse> GetPeerRateLimits(
      std::vector<core::RateLimitRequest> requests, int64_t now);

  // Replaces local replicas with the owner's state.
  // Counted in the GlobalSync's metrics (sluice_global_updates_received_total).
  void UpdatePeerGlobals(const std::vector<GlobalUpdate>& updates, int64_t now);

 private:
  core::Limiter& limiter_;
  GlobalSync& global_;
  const OwnerCheckRecorder* const metrics_;
  const core::AdmissionOptions admission_;
};

}  // namespace sluice::cluster
