// int64 arithmetic that saturates at the int64 range instead of overflowing. In C++ signed
// overflow is undefined, and Go's wrap-around (which Gubernator inherits) turns an extreme
// request into a nonsense answer (hits = -2^63 answered remaining -9,223,372,036,854,775,798).
// The doors reject values beyond ±2^53 (core/admission.h); the algorithms still do every sum,
// difference and product of request values through these, so no input can overflow.
#pragma once

#include <cstdint>
#include <limits>

namespace sluice::core {

inline constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

constexpr int64_t SatAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? kInt64Max : kInt64Min;
  return out;
}

constexpr int64_t SatSub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return b < 0 ? kInt64Max : kInt64Min;
  return out;
}

constexpr int64_t SatMul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return (a < 0) != (b < 0) ? kInt64Min : kInt64Max;
  return out;
}

}  // namespace sluice::core
