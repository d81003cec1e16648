// PeerClient: this node's link to one other peer's PeersV1 service (reference/gubernator.md §1.2,
// §3.4). The seam between routing and transport: the router, the GLOBAL sync and health talk to
// peers only through this interface, so tests substitute a fake (GrpcPeerClient is the real one).
//
// Completion contract, for every method taking a callback: the callback runs exactly once —
// later on a transport thread, or inline on the caller's thread when the client is already shut
// down. It must not block. Transport failures are statuses whose message names the peer; an
// owner's per-item error is an answer (a RateLimitResponse with `error` set), not a status.
//
// Thread safety: every method may be called from any thread concurrently. Objects are held by
// std::shared_ptr; in-flight calls keep their client alive.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cluster/peer_info.h"
#include "core/rate_limit.h"

namespace sluice::cluster {

// Most items one GetPeerRateLimits call may carry (Gubernator's limit, both directions).
inline constexpr int kMaxPeerBatch = 1000;

// One key's state as the owner broadcasts it to replicas (UpdatePeerGlobal).
struct GlobalUpdate {
  std::string key;                 // name + "_" + unique_key
  core::RateLimitResponse status;  // the owner's answer to a hits=0 read of the key
  int32_t algorithm = 0;
  int64_t duration = 0;
  int64_t created_at = 0;  // when the owner read the state (epoch ms)
  // Leaky-bucket capacity. Sent as status.metadata["burst"] so replicas keep a custom burst
  // (Gubernator has no field for it and resets it to the limit); 0 = unknown, use the limit.
  int64_t burst = 0;
};

class PeerClient {
 public:
  using ItemDone = absl::AnyInvocable<void(absl::StatusOr<core::RateLimitResponse>) &&>;
  using BatchDone =
      absl::AnyInvocable<void(absl::StatusOr<std::vector<core::RateLimitResponse>>) &&>;
  using StatusDone = absl::AnyInvocable<void(absl::Status) &&>;

  virtual ~PeerClient() = default;

  // The peer this client talks to.
  virtual const PeerInfo& info() const = 0;

  // Forwards one request to the peer (its owner), batched with others unless the request has
  // NO_BATCHING or batching is disabled. CANCELLED if the client was shut down before sending;
  // DEADLINE_EXCEEDED after the batch timeout; other codes as the transport reports them.
  virtual void Forward(core::RateLimitRequest request, ItemDone done) = 0;

  // Sends `requests` (at most kMaxPeerBatch) as one GetPeerRateLimits call now, unbatched; the
  // answers are index-aligned. Used for GLOBAL hit flushes.
  virtual void SendRateLimits(std::vector<core::RateLimitRequest> requests, BatchDone done) = 0;

  // Sends one UpdatePeerGlobals call with `updates`.
  virtual void UpdatePeerGlobals(std::vector<GlobalUpdate> updates, StatusDone done) = 0;

  // The distinct transport errors recorded at or after `since` (epoch ms), newest first,
  // without the peer's address (health adds it).
  virtual std::vector<std::string> ErrorsSince(int64_t since) const = 0;

  // Stops the client: requests still queued for a batch fail with CANCELLED (so the router
  // re-resolves their owner), later calls fail with CANCELLED; RPCs in flight finish on their
  // own deadline. Idempotent.
  virtual void Shutdown() = 0;
};

// Makes the client for a peer; used whenever a membership change brings a new peer.
using PeerClientFactory = std::function<std::shared_ptr<PeerClient>(const PeerInfo& peer)>;

}  // namespace sluice::cluster
