// Mix64: splitmix64's finalizer — a fixed, well-mixed 64-bit value per integer, for synthetic
// ids that look random (node ids, key ids) but are the same on every run.
#pragma once

#include <cstdint>

namespace sluice::fleet {

constexpr uint64_t Mix64(uint64_t i) {
  uint64_t x = i + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace sluice::fleet
