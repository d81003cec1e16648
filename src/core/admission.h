// Admission: the checks every door applies to a rate-limit request before it reaches a Router,
// so that no request can take unbounded memory, overflow the arithmetic or move a key's clock.
//
// - Key length: the store key (name + "_" + unique_key) may hold at most max_key_bytes bytes.
// - Ranges: hits, limit, duration and burst lie within ±kMaxRequestValue (2^53, the largest
//   integer a double, the leaky bucket's arithmetic, holds exactly), created_at within
//   0..kMaxRequestValue. Sums of two such values cannot overflow an int64.
// - Trusted time: created_at 0 is stamped with the server's now; any other created_at is moved
//   to within max_clock_skew_ms of now (0: always now). A client cannot refill a bucket by
//   sending an old time, nor lock a key by sending a future one.
// A rejected request gets a per-item error naming the limit; the rest of its batch is served.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/rate_limit.h"

namespace sluice::core {

inline constexpr int64_t kMaxRequestValue = int64_t{1} << 53;

struct AdmissionOptions {
  // Longest store key accepted, in bytes (name + "_" + unique_key). Default: 4096.
  size_t max_key_bytes = 4096;
  // How far created_at may lie from the server's clock, in ms; 0: the server's clock is always
  // used. Default: 5,000 (5 s).
  int64_t max_clock_skew_ms = 5'000;
};

struct Admission {
  enum class Rejection { kNone, kKeyTooLong, kOutOfRange };
  Rejection rejection = Rejection::kNone;
  std::string error;         // the per-item error when rejected
  bool clamped = false;      // created_at was moved to within the allowed skew

  bool ok() const { return rejection == Rejection::kNone; }
};

// Checks `req` and, when it is admitted, stamps or clamps its created_at against `now`.
Admission Admit(RateLimitRequest& req, int64_t now, const AdmissionOptions& options);

// The key-length check alone, for doors whose other fields come from trusted configuration
// (Envoy rules). Empty when admitted, else the per-item error.
std::string CheckKeyLength(size_t key_bytes, const AdmissionOptions& options);

}  // namespace sluice::core
