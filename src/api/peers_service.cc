#include "api/peers_service.h"

#include <vector>

#include "api/status_mapping.h"
#include "cluster/peer_wire.h"
#include "obs/timer.h"

namespace sluice::api {

PeersService::PeersService(cluster::PeerHandler& handler, const core::Clock& clock,
                           const obs::Metrics& metrics)
    : handler_(handler),
      clock_(clock),
      get_peer_rate_limits_(metrics.Request(obs::Door::kGrpc, obs::kMethodGetPeerRateLimits)),
      update_peer_globals_(metrics.Request(obs::Door::kGrpc, obs::kMethodUpdatePeerGlobals)) {
  SetMessageAllocatorFor_GetPeerRateLimits(&get_peer_rate_limits_allocator_);
}

grpc::ServerUnaryReactor* PeersService::GetPeerRateLimits(
    grpc::CallbackServerContext* ctx, const pb::gubernator::GetPeerRateLimitsReq* req,
    pb::gubernator::GetPeerRateLimitsResp* resp) {
  auto* reactor = ctx->DefaultReactor();
  const auto start = obs::SteadyClock::now();
  if (req->requests_size() > cluster::kMaxPeerBatch) {
    get_peer_rate_limits_.Record(false, obs::SecondsBetween(start, obs::SteadyClock::now()));
    reactor->Finish(ToGrpcStatus(absl::OutOfRangeError(kPeerBatchTooLarge)));
    return reactor;
  }
  std::vector<core::RateLimitRequest> requests;
  requests.reserve(req->requests_size());
  for (const auto& r : req->requests()) requests.push_back(cluster::FromProto(r));
  std::vector<core::RateLimitResponse> answers =
      handler_.GetPeerRateLimits(std::move(requests), clock_.NowMillis());
  resp->mutable_rate_limits()->Reserve(static_cast<int>(answers.size()));
  for (const auto& a : answers) cluster::ToProto(a, resp->add_rate_limits());
  get_peer_rate_limits_.Record(true, obs::SecondsBetween(start, obs::SteadyClock::now()));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* PeersService::UpdatePeerGlobals(
    grpc::CallbackServerContext* ctx, const pb::gubernator::UpdatePeerGlobalsReq* req,
    pb::gubernator::UpdatePeerGlobalsResp*) {
  auto* reactor = ctx->DefaultReactor();
  const auto start = obs::SteadyClock::now();
  std::vector<cluster::GlobalUpdate> updates;
  updates.reserve(req->globals_size());
  for (const auto& g : req->globals()) updates.push_back(cluster::FromProto(g));
  handler_.UpdatePeerGlobals(updates, clock_.NowMillis());
  update_peer_globals_.Record(true, obs::SecondsBetween(start, obs::SteadyClock::now()));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace sluice::api
