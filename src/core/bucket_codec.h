// The bytes a Store or Loader keeps for one key's BucketState (sluice::StoredItem::state).
//
// Layout: a format byte (kBucketCodecFormat), the state's variant index, its size in bytes and
// the state itself as the process holds it (every state is a trivially copyable struct). A
// change to a state struct's layout changes its size or must bump kBucketCodecFormat; bytes of
// another format, index or size are refused on decode, never misread. Host byte order: the
// bytes move between processes of one build on one machine (snapshot file, local RocksDB).
//
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bucket.h"

namespace sluice::core {

inline constexpr uint8_t kBucketCodecFormat = 1;

// Writes the encoding of `state` into `out` (overwritten; its capacity is reused).
void EncodeBucketState(const BucketState& state, std::string& out);

// The state `bytes` encode, or std::nullopt when they are not an encoding of this format.
std::optional<BucketState> DecodeBucketState(std::string_view bytes);

// The window length (ms) a state was made for, as far as the state records it (token and leaky
// buckets); 0 when it does not.
int64_t StateDuration(const BucketState& state);

}  // namespace sluice::core
