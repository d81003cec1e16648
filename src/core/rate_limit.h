// The one request shape every door translates into, and the answer it gets back.
// Plain value types: no I/O, no locking. Mirrors Gubernator v2's RateLimitReq/RateLimitResp
// (reference/gubernator.md §1.1) so translation at the edges is field-for-field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::core {

// Algorithm numbers as on the Gubernator wire. Proto3 enums are open, so requests carry the raw
// number and an unknown one is answered with a per-item error.
enum class Algorithm : int32_t {
  kTokenBucket = 0,
  kLeakyBucket = 1,
  // Sluice extension used by Envoy rules: epoch-aligned fixed window. Not accepted on the
  // Gubernator API, whose clients only know 0 and 1.
  kFixedWindow = 2,
  // Sluice extension: the sliding-window counter (core/sliding_window.h). Accepted on every
  // door; a Gubernator client meets it only if it sends 3 itself.
  kSlidingWindow = 3,
};

// Behavior bits (Gubernator's Behavior enum used as a bit set).
namespace behavior {
inline constexpr int32_t kBatching = 0;
inline constexpr int32_t kNoBatching = 1;
inline constexpr int32_t kGlobal = 2;
inline constexpr int32_t kDurationIsGregorian = 4;
inline constexpr int32_t kResetRemaining = 8;
inline constexpr int32_t kMultiRegion = 16;
inline constexpr int32_t kDrainOverLimit = 32;
}  // namespace behavior

enum class Status : int32_t { kUnderLimit = 0, kOverLimit = 1 };

struct RateLimitRequest {
  std::string name;
  std::string unique_key;
  int64_t hits = 0;
  int64_t limit = 0;
  int64_t duration = 0;  // milliseconds, or a Gregorian interval code with kDurationIsGregorian
  int32_t algorithm = 0;  // raw wire value; see Algorithm
  int32_t behavior = 0;   // bit set; see namespace behavior
  int64_t burst = 0;      // leaky bucket capacity; 0 means "same as limit"
  int64_t created_at = 0; // epoch ms; stamped with the server's now at the edge when 0
  // Store::KeyHash(HashKey(name, unique_key)) when the door knows it in advance (an Envoy rule's
  // static counter key), so the store does not hash the key again; 0: not known. Never on a
  // wire: a peer that receives the request hashes the key itself.
  uint64_t store_hash = 0;

  bool Has(int32_t behavior_bit) const { return (behavior & behavior_bit) != 0; }
};

struct RateLimitResponse {
  Status status = Status::kUnderLimit;
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_time = 0;  // epoch ms
  std::string error;       // per-item error; when set the other fields are zero
};

// The store key of a request: name + "_" + unique_key (Gubernator's hash key, no escaping).
std::string HashKey(std::string_view name, std::string_view unique_key);

// The same key built in `buffer`, which is overwritten and keeps its capacity: a caller that
// reuses one buffer per thread builds keys without allocating. The view points into `buffer`.
std::string_view HashKeyInto(std::string& buffer, std::string_view name,
                             std::string_view unique_key);

}  // namespace sluice::core
