// FNV hashes: the 64-bit Fowler–Noll–Vo functions Gubernator uses to place keys and peers on
// its consistent-hash ring (reference/gubernator.md §3.2). FNV-1 multiplies then XORs each byte;
// FNV-1a XORs then multiplies. Both are byte-exact with segmentio/fasthash, so a Sluice ring and a
// Gubernator ring agree on ownership for the same peers and keys.
//
// Thread safety: pure functions of their input; callable from any thread, usable in constant
// expressions.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace sluice::cluster {

inline constexpr uint64_t kFnvOffsetBasis64 = 14695981039346656037ULL;
inline constexpr uint64_t kFnvPrime64 = 1099511628211ULL;

// FNV-1 64: for each byte, hash = (hash * prime) ^ byte.
constexpr uint64_t Fnv1Hash64(std::string_view data) {
  uint64_t hash = kFnvOffsetBasis64;
  for (char c : data) {
    hash *= kFnvPrime64;
    hash ^= static_cast<uint8_t>(c);
  }
  return hash;
}

// FNV-1a 64: for each byte, hash = (hash ^ byte) * prime.
constexpr uint64_t Fnv1aHash64(std::string_view data) {
  uint64_t hash = kFnvOffsetBasis64;
  for (char c : data) {
    hash ^= static_cast<uint8_t>(c);
    hash *= kFnvPrime64;
  }
  return hash;
}

// Which hash a ring uses. Gubernator's default is FNV-1; setting GUBER_PEER_PICKER without
// GUBER_PEER_PICKER_HASH gives FNV-1a. Every node of a cluster must use the same one.
enum class HashFunction { kFnv1, kFnv1a };

// Hashes `data` with `function`.
constexpr uint64_t Hash64(HashFunction function, std::string_view data) {
  return function == HashFunction::kFnv1a ? Fnv1aHash64(data) : Fnv1Hash64(data);
}

// Parses a hash name as Gubernator spells it: "fnv1" or "fnv1a" (case-sensitive).
// InvalidArgument naming the value and the choices otherwise.
absl::StatusOr<HashFunction> ParseHashFunction(std::string_view name);

// The name ParseHashFunction accepts for `function`.
std::string_view HashFunctionName(HashFunction function);

}  // namespace sluice::cluster
