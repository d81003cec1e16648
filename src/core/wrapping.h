// int64 arithmetic that wraps around on overflow, as Go's does (Gubernator computes in Go, and
// its answers to requests near the int64 range are defined by that wrap-around). In C++ signed
// overflow is undefined, so the algorithms do every sum, difference and product of request
// values through these instead of the built-in operators.
#pragma once

#include <cstdint>

namespace sluice::core {

constexpr int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

constexpr int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}

constexpr int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

}  // namespace sluice::core
