// EntryHash: the hash of one descriptor entry (key, value) for the rule tree's per-level map,
// inline and word-at-a-time. Debian's Abseil hashes each string through an out-of-line
// AbslHashValue call; for the short keys and values Envoy sends (a few to a few dozen bytes)
// that call and its combining were half of a rule lookup (bench/door_bench.cc).
//
// Each 8-byte word is folded in with a 64x64->128 multiply (as wyhash and Abseil's own
// LowLevelHash do), the tail is read without touching bytes past the end, and each string's
// length is mixed in, so ("ab", "c") and ("a", "bc") hash differently. Not a cryptographic
// hash and not stable across releases: it only ever indexes an in-memory table built in the
// same process. Unseeded, so request values could be chosen to collide; they only look up and
// never insert, so the most such a value costs is a longer probe in one small rule level.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "absl/numeric/int128.h"

namespace sluice::rules {

namespace entry_hash_internal {

inline constexpr uint64_t kSeed = 0x243F6A8885A308D3ull;  // pi, as a nothing-up-my-sleeve seed
inline constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;

inline uint64_t Fold(uint64_t a, uint64_t b) {
  const absl::uint128 product = absl::uint128(a) * b;
  return absl::Uint128Low64(product) ^ absl::Uint128High64(product);
}

// 1 to 7 bytes as one word, reading only inside [p, p + n).
inline uint64_t LoadTail(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t first;
    uint32_t last;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    return (static_cast<uint64_t>(first) << 32) | last;
  }
  const auto byte = [p](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(p[i])); };
  return (byte(0) << 16) | (byte(n >> 1) << 8) | byte(n - 1);
}

inline uint64_t HashBytes(uint64_t state, std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  while (n > 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    state = Fold(state ^ word, kMultiplier);
    p += 8;
    n -= 8;
  }
  uint64_t word = 0;
  if (n == 8) {
    std::memcpy(&word, p, 8);
  } else if (n > 0) {
    word = LoadTail(p, n);
  }
  return Fold(state ^ word, kMultiplier ^ s.size());
}

}  // namespace entry_hash_internal

// The hash of the entry (key, value); an empty value is the value-less default node's.
inline size_t EntryHash(std::string_view key, std::string_view value) {
  using namespace entry_hash_internal;
  return HashBytes(HashBytes(kSeed, key), value);
}

// Byte equality of two views. Up to 16 bytes (most keys and values) it compares two
// overlapping words in place instead of calling memcmp, and skips std::string_view::compare's
// ordering work.
inline bool SameBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  const auto differ = [x, y](size_t at, auto word) {
    decltype(word) wx;
    decltype(word) wy;
    std::memcpy(&wx, x + at, sizeof wx);
    std::memcpy(&wy, y + at, sizeof wy);
    return wx ^ wy;
  };
  if (n >= 8) {
    if (n > 16) return std::memcmp(x, y, n) == 0;
    return (differ(0, uint64_t{}) | differ(n - 8, uint64_t{})) == 0;
  }
  if (n >= 4) return (differ(0, uint32_t{}) | differ(n - 4, uint32_t{})) == 0;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

}  // namespace sluice::rules
