#include "cluster/global_sync.h"

#include <algorithm>
#include <utility>

#include "spdlog/spdlog.h"

namespace sluice::cluster {
namespace {

using core::behavior::kDrainOverLimit;
using core::behavior::kResetRemaining;

bool WorthSyncing(const core::RateLimitRequest& r) { return r.hits != 0 || r.Has(kResetRemaining); }

// Splits `items` into chunks of at most `limit`.
template <typename T>
std::vector<std::vector<T>> Chunks(std::vector<T> items, size_t limit) {
  std::vector<std::vector<T>> out;
  for (size_t i = 0; i < items.size(); i += limit) {
    size_t end = std::min(items.size(), i + limit);
    out.emplace_back(std::make_move_iterator(items.begin() + static_cast<ptrdiff_t>(i)),
                     std::make_move_iterator(items.begin() + static_cast<ptrdiff_t>(end)));
  }
  return out;
}

}  // namespace

GlobalSync::GlobalSync(core::Limiter& limiter, ViewSource view, GlobalSyncOptions options,
                       const GlobalSyncMetrics* metrics)
    : limiter_(limiter), view_(std::move(view)), options_(options), metrics_(metrics) {}

GlobalSync::~GlobalSync() { Stop(); }

void GlobalSync::QueueHits(const core::RateLimitRequest& request, int64_t now) {
  if (!WorthSyncing(request)) return;
  std::string key = core::HashKey(request.name, request.unique_key);
  absl::flat_hash_map<std::string, core::RateLimitRequest> full;
  {
    absl::MutexLock lock(&mu_);
    if (hits_.keys.empty()) hits_.since = now;
    auto [it, inserted] = hits_.keys.try_emplace(std::move(key), request);
    if (!inserted) {
      it->second.hits += request.hits;
      it->second.behavior |= request.behavior & kResetRemaining;
    }
    if (static_cast<int>(hits_.keys.size()) >= options_.batch_limit) full.swap(hits_.keys);
    UpdateQueueGauges();
  }
  if (!full.empty()) SendHits(std::move(full), now);
}

core::RateLimitResponse GlobalSync::ApplyAsOwner(const core::RateLimitRequest& request,
                                                 int64_t now) {
  core::RateLimitRequest applied = request;
  applied.behavior |= kDrainOverLimit;
  core::RateLimitResponse resp = limiter_.Check(applied, now);
  if (metrics_) metrics_->keys_applied_as_owner->Increment();
  if (resp.error.empty()) QueueBroadcast(applied, now);
  return resp;
}

void GlobalSync::QueueBroadcast(const core::RateLimitRequest& request, int64_t now) {
  if (!WorthSyncing(request)) return;
  std::string key = core::HashKey(request.name, request.unique_key);
  absl::flat_hash_map<std::string, core::RateLimitRequest> full;
  {
    absl::MutexLock lock(&mu_);
    if (broadcast_.keys.empty()) broadcast_.since = now;
    broadcast_.keys.insert_or_assign(std::move(key), request);
    if (static_cast<int>(broadcast_.keys.size()) >= options_.batch_limit) {
      full.swap(broadcast_.keys);
    }
    UpdateQueueGauges();
  }
  if (!full.empty()) SendBroadcast(std::move(full), now);
}

void GlobalSync::FlushDue(int64_t now) {
  const int64_t wait = absl::ToInt64Milliseconds(options_.sync_wait);
  absl::flat_hash_map<std::string, core::RateLimitRequest> hits, broadcast;
  {
    absl::MutexLock lock(&mu_);
    if (!hits_.keys.empty() && now >= hits_.since + wait) hits.swap(hits_.keys);
    if (!broadcast_.keys.empty() && now >= broadcast_.since + wait) {
      broadcast.swap(broadcast_.keys);
    }
    UpdateQueueGauges();
  }
  if (!hits.empty()) SendHits(std::move(hits), now);
  if (!broadcast.empty()) SendBroadcast(std::move(broadcast), now);
}

void GlobalSync::FlushAll(int64_t now) {
  absl::flat_hash_map<std::string, core::RateLimitRequest> hits, broadcast;
  {
    absl::MutexLock lock(&mu_);
    hits.swap(hits_.keys);
    broadcast.swap(broadcast_.keys);
    UpdateQueueGauges();
  }
  if (!hits.empty()) SendHits(std::move(hits), now);
  if (!broadcast.empty()) SendBroadcast(std::move(broadcast), now);
}

void GlobalSync::SendHits(absl::flat_hash_map<std::string, core::RateLimitRequest> keys,
                          int64_t now) {
  std::shared_ptr<const ClusterView> view = view_ ? view_() : nullptr;
  absl::flat_hash_map<std::string, std::vector<core::RateLimitRequest>> by_owner;
  uint64_t dropped = 0;
  for (auto& [key, request] : keys) {
    const PeerInfo* owner = view ? view->ring.Owner(key) : nullptr;
    if (owner == nullptr) {
      ++dropped;
    } else if (owner->is_self) {
      ApplyAsOwner(request, now);  // the ring moved the key here since it was queued
    } else {
      by_owner[owner->grpc_address].push_back(std::move(request));
    }
  }
  if (dropped > 0 && metrics_) metrics_->keys_dropped->Increment(dropped);
  for (auto& [address, requests] : by_owner) {
    PeerClient* client = view->ClientFor(address);
    if (client == nullptr) continue;  // cannot happen: every non-self ring peer has a client
    for (auto& chunk : Chunks(std::move(requests), static_cast<size_t>(options_.batch_limit))) {
      const size_t n = chunk.size();
      if (!CallStarted()) return;
      const absl::Time start = absl::Now();
      client->SendRateLimits(
          std::move(chunk),
          [this, n, start](absl::StatusOr<std::vector<core::RateLimitResponse>> result) {
            if (!result.ok()) {
              spdlog::debug("global: sending hits failed: {}",
                            std::string(result.status().message()));
            }
            if (metrics_) {
              metrics_->RecordSend(result.ok(), n, absl::ToDoubleSeconds(absl::Now() - start));
            }
            CallFinished();
          });
    }
  }
}

void GlobalSync::SendBroadcast(absl::flat_hash_map<std::string, core::RateLimitRequest> keys,
                               int64_t now) {
  std::vector<GlobalUpdate> updates;
  updates.reserve(keys.size());
  for (auto& [key, request] : keys) {
    // Read the state: no hits, and never the reset again (the queued request may carry it).
    core::RateLimitRequest read = request;
    read.hits = 0;
    read.behavior &= ~(kResetRemaining | kDrainOverLimit);
    read.created_at = now;
    core::RateLimitResponse status = limiter_.Check(read, key, now);
    if (!status.error.empty()) continue;
    GlobalUpdate update{.key = key,
                        .status = std::move(status),
                        .algorithm = request.algorithm,
                        .duration = request.duration,
                        .created_at = now};
    if (request.algorithm == static_cast<int32_t>(core::Algorithm::kLeakyBucket)) {
      update.burst = request.burst != 0 ? request.burst : request.limit;
    }
    updates.push_back(std::move(update));
  }
  if (metrics_) metrics_->keys_broadcast->Increment(updates.size());
  std::shared_ptr<const ClusterView> view = view_ ? view_() : nullptr;
  if (!view || updates.empty()) return;
  auto chunks = Chunks(std::move(updates), static_cast<size_t>(options_.batch_limit));
  for (const auto& [address, client] : view->clients) {
    for (const auto& chunk : chunks) {
      if (!CallStarted()) return;
      const absl::Time start = absl::Now();
      client->UpdatePeerGlobals(chunk, [this, start](absl::Status status) {
        if (!status.ok()) {
          spdlog::debug("global: broadcast failed: {}", std::string(status.message()));
        }
        if (metrics_) {
          metrics_->RecordBroadcast(status.ok(), absl::ToDoubleSeconds(absl::Now() - start));
        }
        CallFinished();
      });
    }
  }
}

void GlobalSync::UpdateQueueGauges() {
  if (metrics_) metrics_->SetQueueLengths(hits_.keys.size(), broadcast_.keys.size());
}

bool GlobalSync::CallStarted() {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  ++in_flight_;
  return true;
}

void GlobalSync::CallFinished() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void GlobalSync::Start(const core::Clock& clock) {
  if (driver_.joinable()) return;
  driver_ = std::thread([this, &clock] { DriverLoop(clock); });
}

void GlobalSync::DriverLoop(const core::Clock& clock) {
  const absl::Duration tick =
      std::clamp(options_.sync_wait / 10, absl::Milliseconds(1), absl::Milliseconds(10));
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick)) return;
    }
    FlushDue(clock.NowMillis());
  }
}

void GlobalSync::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (driver_.joinable()) driver_.join();
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  mu_.Await(absl::Condition(&idle));
}

std::pair<size_t, size_t> GlobalSync::queued() const {
  absl::MutexLock lock(&mu_);
  return {hits_.keys.size(), broadcast_.keys.size()};
}

}  // namespace sluice::cluster
