// sluice::Limiter: Sluice's rate limiter inside a C++ program, without a network or a sidecar.
//
// The same decisions as a `sluice` node answering Gubernator's GetRateLimits: token bucket, leaky
// bucket and fixed window, every Behavior bit that applies to one process (GLOBAL is a cluster
// matter and has no effect here), the same remaining and reset_time (docs/library.md).
//
// - No threads of its own and no I/O: Check() runs on the caller's thread. With
//   LimiterOptions::store set, a key missing from memory is read from the store and every change
//   written to it on that thread (include/sluice/persistence.h).
// - Bounded: at most `capacity` keys; a new key in a full shard evicts one not used lately.
// - Over the limit is an answer (LimitStatus::kOverLimit), not an error; an invalid request gets
//   Answer::error and the rest of a batch is still answered.
//
// Thread safety: Check() may be called from any thread concurrently (per-key atomic, keys in
// 64 lock shards). Load() and Save() from one thread, not during Check() for Load().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sluice/clock.h"
#include "sluice/persistence.h"
#include "sluice/status.h"

namespace sluice {

// Algorithm numbers as on the Gubernator wire.
enum class Algorithm : int32_t {
  kTokenBucket = 0,
  kLeakyBucket = 1,
  kFixedWindow = 2,  // Sluice's epoch-aligned fixed window
};

// Behavior bits (Gubernator's Behavior enum, used as a bit set).
namespace behavior {
inline constexpr int32_t kNoBatching = 1;
inline constexpr int32_t kGlobal = 2;
inline constexpr int32_t kDurationIsGregorian = 4;  // duration is an interval code 0..5
inline constexpr int32_t kResetRemaining = 8;
inline constexpr int32_t kDrainOverLimit = 32;
}  // namespace behavior

enum class LimitStatus : int32_t { kUnderLimit = 0, kOverLimit = 1 };

struct Request {
  std::string name;        // the limit's namespace, e.g. "requests_per_sec"; required
  std::string unique_key;  // who is limited, e.g. "account:12345"; required
  int64_t hits = 1;        // 0: only read; negative: give back
  int64_t limit = 0;
  int64_t duration = 0;    // window in ms (or a Gregorian interval code, see behavior)
  Algorithm algorithm = Algorithm::kTokenBucket;
  int32_t behavior = 0;    // bits of namespace behavior
  int64_t burst = 0;       // leaky bucket capacity; 0: the limit
  int64_t created_at = 0;  // epoch ms; 0: the limiter's clock (else kept within max_clock_skew_ms)
};

struct Answer {
  LimitStatus status = LimitStatus::kUnderLimit;
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_time = 0;  // epoch ms
  std::string error;       // set for an invalid request; the other fields are then zero

  bool under_limit() const { return error.empty() && status == LimitStatus::kUnderLimit; }
};

struct LimiterOptions {
  // Keys held in memory at most. Default: 50,000 (Gubernator's cache size).
  size_t capacity = 50'000;
  // Source of "now"; must outlive the Limiter. Default: nullptr = SystemClock().
  const Clock* clock = nullptr;
  // Persistent store told of every change and asked on a miss; must outlive the Limiter.
  // Default: nullptr = memory only.
  Store* store = nullptr;
  // Longest key (name + "_" + unique_key) accepted, in bytes. Default: 4096.
  size_t max_key_bytes = 4096;
  // How far a request's created_at may lie from the clock, in ms; 0: always the clock.
  // Default: 5,000.
  int64_t max_clock_skew_ms = 5'000;
};

class Limiter {
 public:
  explicit Limiter(LimiterOptions options = {});
  ~Limiter();
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  // Applies one request to its key.
  Answer Check(const Request& request);

  // Applies each request in order; answers are index-aligned with the requests.
  std::vector<Answer> Check(std::span<const Request> requests);

  // Puts back every item `loader` saved; expired ones are skipped. Call before the first Check().
  Status Load(Loader& loader);

  // Saves every live key to `loader`.
  Status Save(Loader& loader) const;

  // Keys held in memory now (expired ones included until touched).
  size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
