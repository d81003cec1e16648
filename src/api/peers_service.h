// The gRPC face of the peer protocol: pb.gubernator.PeersV1 on the callback API (reference/
// gubernator.md §1.2), served on the same port as V1 in cluster mode. It only translates: the
// owner-side logic is cluster::PeerHandler.
//
// GetPeerRateLimits: more than 1000 items is OUT_OF_RANGE "'PeerRequest.rate_limits' list too
// large; max size is '1000'"; otherwise every item is answered index-aligned (a bad item gets its
// own error). UpdatePeerGlobals: replaces the local replicas and answers {}. "now" is stamped
// once per call from the clock. Both finish inline: evaluation never waits on anything but the
// store's short per-shard locks.
//
// Thread safety: gRPC calls these from its own threads, concurrently.
#pragma once

#include "api/arena_message_allocator.h"
#include "cluster/peer_handler.h"
#include "core/clock.h"
#include "api/door_metrics.h"
#include "peers.grpc.pb.h"
#include "trace/tracer.h"

namespace sluice::api {

inline constexpr char kPeerBatchTooLarge[] =
    "'PeerRequest.rate_limits' list too large; max size is '1000'";

class PeersService final : public pb::gubernator::PeersV1::CallbackService {
 public:
  // All must outlive the service. With a `tracer`, each call is a server span under the
  // caller's gRPC `traceparent` (the forwarding node's peer-call span); at tracing level DEBUG
  // each item gets a span under the context in its own `traceparent` metadata.
  PeersService(cluster::PeerHandler& handler, const core::Clock& clock,
               const DoorMetrics& metrics, const trace::Tracer* tracer = nullptr);

  grpc::ServerUnaryReactor* GetPeerRateLimits(grpc::CallbackServerContext* ctx,
                                              const pb::gubernator::GetPeerRateLimitsReq* req,
                                              pb::gubernator::GetPeerRateLimitsResp* resp) override;
  grpc::ServerUnaryReactor* UpdatePeerGlobals(grpc::CallbackServerContext* ctx,
                                              const pb::gubernator::UpdatePeerGlobalsReq* req,
                                              pb::gubernator::UpdatePeerGlobalsResp* resp) override;

 private:
  cluster::PeerHandler& handler_;
  const core::Clock& clock_;
  const trace::Tracer* const tracer_;
  const RequestMetrics& get_peer_rate_limits_;
  const RequestMetrics& update_peer_globals_;
  ArenaMessageAllocator<pb::gubernator::GetPeerRateLimitsReq,
                        pb::gubernator::GetPeerRateLimitsResp>
      get_peer_rate_limits_allocator_;
};

}  // namespace sluice::api
