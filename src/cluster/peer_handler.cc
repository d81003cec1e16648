#include "cluster/peer_handler.h"

#include <optional>
#include <string>
#include <variant>

#include "core/bucket.h"

namespace sluice::cluster {
namespace {

constexpr char kPeerErrorPrefix[] = "Error in getLocalRateLimit: during workerPool.GetRateLimit: ";

// The replica's state for `update`, or nullopt for an algorithm this node does not know.
std::optional<core::BucketItem> ReplicaItem(const GlobalUpdate& update,
                                            const std::optional<core::BucketItem>& current,
                                            int64_t now) {
  const core::RateLimitResponse& s = update.status;
  core::BucketItem item{.expire_at = s.reset_time};
  switch (static_cast<core::Algorithm>(update.algorithm)) {
    case core::Algorithm::kTokenBucket:
      item.state = core::TokenBucketState{.status = s.status,
                                          .limit = s.limit,
                                          .duration = update.duration,
                                          .remaining = s.remaining,
                                          .created_at = now};
      return item;
    case core::Algorithm::kLeakyBucket: {
      int64_t burst = update.burst;
      if (burst == 0 && current) {
        if (const auto* leaky = std::get_if<core::LeakyBucketState>(&current->state)) {
          burst = leaky->burst;
        }
      }
      if (burst == 0) burst = s.limit;
      item.state = core::LeakyBucketState{.limit = s.limit,
                                          .duration = update.duration,
                                          .remaining = static_cast<double>(s.remaining),
                                          .updated_at = now,
                                          .burst = burst};
      return item;
    }
    case core::Algorithm::kFixedWindow:
      item.state = core::FixedWindowState{.limit = s.limit,
                                          .window_start = s.reset_time - update.duration,
                                          .count = s.limit - s.remaining};
      return item;
    case core::Algorithm::kSlidingWindow:
      // The owner's weighted total, all of it in the current window: a replica never admits
      // more than the owner would, and forgets the total one window later than the owner.
      item.state = core::SlidingWindowState{
          .limit = s.limit,
          .duration = update.duration,
          .window_start = update.duration > 0 ? now - now % update.duration : now,
          .current = s.limit - s.remaining};
      return item;
  }
  return std::nullopt;
}

}  // namespace

std::vector<core::RateLimitResponse> PeerHandler::GetPeerRateLimits(
    std::vector<core::RateLimitRequest> requests, int64_t now) {
  std::vector<core::RateLimitResponse> out;
  out.reserve(requests.size());
  for (core::RateLimitRequest& request : requests) {
    core::Admission admission = core::Admit(request, now, admission_);
    if (metrics_) {
      metrics_->RecordAdmission(admission.rejection == core::Admission::Rejection::kKeyTooLong,
                                admission.rejection == core::Admission::Rejection::kOutOfRange,
                                admission.clamped);
    }
    if (!admission.ok()) {
      out.push_back(core::RateLimitResponse{.error = std::move(admission.error)});
      continue;
    }
    core::RateLimitResponse resp = request.Has(core::behavior::kGlobal)
                                       ? global_.ApplyAsOwner(request, now)
                                       : limiter_.Check(request, now);
    if (!resp.error.empty()) resp.error = kPeerErrorPrefix + resp.error;
    if (metrics_) {
      // Decided here, by the owner; the forwarder counts the item in sluice_decisions_total.
      metrics_->RecordOwnerCheck(resp.error.empty() && resp.status == core::Status::kOverLimit);
    }
    out.push_back(std::move(resp));
  }
  return out;
}

void PeerHandler::UpdatePeerGlobals(const std::vector<GlobalUpdate>& updates, int64_t now) {
  for (const GlobalUpdate& update : updates) {
    std::optional<core::BucketItem> current = limiter_.store().Peek(update.key, now);
    std::optional<core::BucketItem> item = ReplicaItem(update, current, now);
    if (item) limiter_.Replace(update.key, *item, now);
  }
  if (const GlobalSyncMetrics* m = global_.metrics()) m->RecordUpdatesReceived(updates.size());
}

}  // namespace sluice::cluster
