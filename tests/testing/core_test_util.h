// Test fixture shared by the core tests: a store, a limiter and a manual clock, plus a helper
// that stamps requests with the clock the way a door does.
#pragma once

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"

namespace sluice::core {

// A request for key "n_k" with everything else at its default (created_at 0: the caller's now).
inline RateLimitRequest TestRequest(int64_t hits, int64_t limit, int64_t duration,
                                    Algorithm algorithm) {
  RateLimitRequest req;
  req.name = "n";
  req.unique_key = "k";
  req.hits = hits;
  req.limit = limit;
  req.duration = duration;
  req.algorithm = static_cast<int32_t>(algorithm);
  return req;
}

class LimiterFixture : public ::testing::Test {
 protected:
  // 2023-11-14T22:13:20Z; a whole second, so windows start at round numbers.
  static constexpr int64_t kStart = 1'700'000'000'000;

  RateLimitRequest Request(int64_t hits, int64_t limit, int64_t duration, int32_t behavior = 0) {
    RateLimitRequest req = TestRequest(hits, limit, duration, algorithm_);
    req.name = "test";
    req.unique_key = "account:1";
    req.behavior = behavior;
    req.created_at = clock_.NowMillis();
    return req;
  }

  RateLimitResponse Check(const RateLimitRequest& req) {
    return limiter_.Check(req, clock_.NowMillis());
  }

  RateLimitResponse Hit(int64_t hits, int64_t limit, int64_t duration, int32_t behavior = 0) {
    return Check(Request(hits, limit, duration, behavior));
  }

  Algorithm algorithm_ = Algorithm::kTokenBucket;
  ManualClock clock_{kStart};
  Store store_{StoreOptions{.capacity = 1000, .shards = 4}};
  Limiter limiter_{store_};
};

}  // namespace sluice::core
