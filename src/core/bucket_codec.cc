#include "core/bucket_codec.h"

#include <cstring>
#include <type_traits>
#include <utility>

namespace sluice::core {
namespace {

constexpr size_t kHeaderBytes = 3;  // format, variant index, size

template <size_t I>
std::optional<BucketState> DecodeAlternative(size_t index, std::string_view body) {
  if constexpr (I == std::variant_size_v<BucketState>) {
    return std::nullopt;
  } else {
    using T = std::variant_alternative_t<I, BucketState>;
    if (index != I) return DecodeAlternative<I + 1>(index, body);
    if (body.size() != sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, body.data(), sizeof(T));
    return BucketState(std::in_place_index<I>, value);
  }
}

}  // namespace

void EncodeBucketState(const BucketState& state, std::string& out) {
  std::visit(
      [&out, index = state.index()](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        static_assert(std::is_trivially_copyable_v<T>, "bucket_codec copies states as bytes");
        static_assert(sizeof(T) < 256 && std::variant_size_v<BucketState> < 256);
        out.assign({static_cast<char>(kBucketCodecFormat), static_cast<char>(index),
                    static_cast<char>(sizeof(T))});
        out.append(reinterpret_cast<const char*>(&s), sizeof(T));
      },
      state);
}

std::optional<BucketState> DecodeBucketState(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes || static_cast<uint8_t>(bytes[0]) != kBucketCodecFormat ||
      static_cast<uint8_t>(bytes[2]) != bytes.size() - kHeaderBytes) {
    return std::nullopt;
  }
  return DecodeAlternative<0>(static_cast<uint8_t>(bytes[1]), bytes.substr(kHeaderBytes));
}

int64_t StateDuration(const BucketState& state) {
  return std::visit(
      [](const auto& s) -> int64_t {
        if constexpr (requires { s.duration; }) {
          return s.duration;
        } else {
          return 0;
        }
      },
      state);
}

}  // namespace sluice::core
