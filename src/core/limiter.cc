#include "core/limiter.h"

#include <string>

#include "core/bucket_codec.h"
#include "core/gregorian.h"

namespace sluice::core {

RateLimitResponse Limiter::Check(const RateLimitRequest& req, int64_t now) {
  return Check(req, HashKey(req.name, req.unique_key), now);
}

RateLimitResponse Limiter::Check(const RateLimitRequest& req, std::string_view key, int64_t now) {
  RateLimitResponse resp;
  const uint64_t hash = req.store_hash != 0 ? req.store_hash : Store::KeyHash(key);
  if (persistent_ == nullptr) {
    store_.Update(key, hash, now, [&](std::optional<BucketItem>& item) {
      resp = ApplyAlgorithm(item, req, now);
    });
    return resp;
  }
  store_.Update(key, hash, now, [&](std::optional<BucketItem>& item) {
    if (!item) item = LoadPersisted(key, req, now);
    const std::optional<BucketItem> before = item;
    resp = ApplyAlgorithm(item, req, now);
    if (item != before) Persist(key, req, now, item);
  });
  return resp;
}

std::optional<BucketItem> Limiter::LoadPersisted(std::string_view key,
                                                 const RateLimitRequest& req, int64_t now) {
  std::optional<sluice::StoredItem> stored = persistent_->Get(key, WindowLength(req, now));
  if (!stored || stored->expire_at < now) return std::nullopt;
  std::optional<BucketState> state = DecodeBucketState(stored->state);
  if (!state) {
    undecodable_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  return BucketItem{.state = std::move(*state), .expire_at = stored->expire_at};
}

void Limiter::Persist(std::string_view key, const RateLimitRequest& req, int64_t now,
                      const std::optional<BucketItem>& item) {
  if (!item) {
    persistent_->OnRemove(key);
    return;
  }
  thread_local std::string encoded;  // reused: no allocation per decision once warm
  EncodeBucketState(item->state, encoded);
  persistent_->OnChange({.key = key,
                         .expire_at = item->expire_at,
                         .duration = WindowLength(req, now),
                         .state = encoded});
}

void Limiter::Replace(std::string_view key, const BucketItem& item, int64_t now) {
  store_.Update(key, now, [&](std::optional<BucketItem>& current) { current = item; });
}

void Limiter::Snapshot(int64_t now, const sluice::Loader::ItemSink& sink) const {
  std::string encoded;
  store_.ForEach(now, [&](std::string_view key, const BucketItem& item) {
    EncodeBucketState(item.state, encoded);
    const int64_t duration = StateDuration(item.state);
    sink({.key = key,
          .expire_at = item.expire_at,
          .duration = duration != 0 ? duration : item.expire_at - now,
          .state = encoded});
  });
}

bool Limiter::Restore(const sluice::StoredItemView& item, int64_t now) {
  if (item.expire_at < now) return false;
  std::optional<BucketState> state = DecodeBucketState(item.state);
  if (!state) {
    undecodable_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  Replace(item.key, BucketItem{.state = std::move(*state), .expire_at = item.expire_at}, now);
  return true;
}

int64_t WindowLength(const RateLimitRequest& req, int64_t now) {
  if (req.Has(behavior::kDurationIsGregorian)) {
    return GregorianLength(now, req.duration).value_or(0);
  }
  return req.duration;
}

}  // namespace sluice::core
