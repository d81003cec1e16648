#include "core/limiter.h"

#include <string>

namespace sluice::core {

RateLimitResponse Limiter::Check(const RateLimitRequest& req, int64_t now) {
  return Check(req, HashKey(req.name, req.unique_key), now);
}

RateLimitResponse Limiter::Check(const RateLimitRequest& req, std::string_view key, int64_t now) {
  RateLimitResponse resp;
  const uint64_t hash = req.store_hash != 0 ? req.store_hash : Store::KeyHash(key);
  store_.Update(key, hash, now, [&](std::optional<BucketItem>& item) {
    resp = ApplyAlgorithm(item, req, now);
  });
  return resp;
}

void Limiter::Replace(std::string_view key, const BucketItem& item, int64_t now) {
  store_.Update(key, now, [&](std::optional<BucketItem>& current) { current = item; });
}

}  // namespace sluice::core
