#include "cluster/peer_wire.h"

#include <string>

#include "absl/strings/numbers.h"

namespace sluice::cluster {
namespace {

constexpr char kBurstMetadata[] = "burst";

}  // namespace

void ToProto(const core::RateLimitRequest& in, pb::gubernator::RateLimitReq* out) {
  out->set_name(in.name);
  out->set_unique_key(in.unique_key);
  out->set_hits(in.hits);
  out->set_limit(in.limit);
  out->set_duration(in.duration);
  out->set_algorithm(static_cast<pb::gubernator::Algorithm>(in.algorithm));
  out->set_behavior(static_cast<pb::gubernator::Behavior>(in.behavior));
  out->set_burst(in.burst);
  if (in.created_at != 0) out->set_created_at(in.created_at);
}

core::RateLimitRequest FromProto(const pb::gubernator::RateLimitReq& in) {
  core::RateLimitRequest out;
  out.name = in.name();
  out.unique_key = in.unique_key();
  out.hits = in.hits();
  out.limit = in.limit();
  out.duration = in.duration();
  out.algorithm = static_cast<int32_t>(in.algorithm());
  out.behavior = static_cast<int32_t>(in.behavior());
  out.burst = in.burst();
  out.created_at = in.has_created_at() ? in.created_at() : 0;
  return out;
}

void ToProto(const core::RateLimitResponse& in, pb::gubernator::RateLimitResp* out) {
  out->set_status(static_cast<pb::gubernator::Status>(in.status));
  out->set_limit(in.limit);
  out->set_remaining(in.remaining);
  out->set_reset_time(in.reset_time);
  // An empty string encodes as nothing; setting it would still allocate it on the arena.
  if (!in.error.empty()) out->set_error(in.error);
}

core::RateLimitResponse FromProto(const pb::gubernator::RateLimitResp& in) {
  core::RateLimitResponse out;
  out.status = static_cast<core::Status>(in.status());
  out.limit = in.limit();
  out.remaining = in.remaining();
  out.reset_time = in.reset_time();
  out.error = in.error();
  return out;
}

void ToProto(const GlobalUpdate& in, pb::gubernator::UpdatePeerGlobal* out) {
  out->set_key(in.key);
  ToProto(in.status, out->mutable_status());
  if (in.burst != 0) {
    (*out->mutable_status()->mutable_metadata())[kBurstMetadata] = std::to_string(in.burst);
  }
  out->set_algorithm(static_cast<pb::gubernator::Algorithm>(in.algorithm));
  out->set_duration(in.duration);
  out->set_created_at(in.created_at);
}

GlobalUpdate FromProto(const pb::gubernator::UpdatePeerGlobal& in) {
  GlobalUpdate out;
  out.key = in.key();
  out.status = FromProto(in.status());
  out.algorithm = static_cast<int32_t>(in.algorithm());
  out.duration = in.duration();
  out.created_at = in.created_at();
  const auto& metadata = in.status().metadata();
  if (auto it = metadata.find(kBurstMetadata); it != metadata.end()) {
    int64_t burst = 0;
    if (absl::SimpleAtoi(it->second, &burst) && burst > 0) out.burst = burst;
  }
  return out;
}

}  // namespace sluice::cluster
