// Conversions between the cluster's value types and the pb.gubernator peer wire messages
// (reference/gubernator.md §1.1–1.2), used by the peer client and the PeersV1 service so both
// sides of a peer link translate identically. Pure functions.
#pragma once

#include "cluster/peer_client.h"
#include "core/rate_limit.h"
#include "gubernator.pb.h"
#include "peers.pb.h"

namespace sluice::cluster {

// Field for field; created_at is sent only when non-zero (0 means "stamp on arrival").
void ToProto(const core::RateLimitRequest& in, pb::gubernator::RateLimitReq* out);
core::RateLimitRequest FromProto(const pb::gubernator::RateLimitReq& in);

// Status, limit, remaining, reset_time and error into a fresh `out` (an empty error is left
// unset); metadata is not part of the core answer.
void ToProto(const core::RateLimitResponse& in, pb::gubernator::RateLimitResp* out);
core::RateLimitResponse FromProto(const pb::gubernator::RateLimitResp& in);

// A non-zero burst travels as status.metadata["burst"] (ignored by Gubernator receivers).
void ToProto(const GlobalUpdate& in, pb::gubernator::UpdatePeerGlobal* out);
GlobalUpdate FromProto(const pb::gubernator::UpdatePeerGlobal& in);

}  // namespace sluice::cluster
