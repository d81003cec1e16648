#include "core/bucket_codec.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

TEST(BucketCodecTest, EveryStateRoundTrips) {
  const BucketState states[] = {
      TokenBucketState{.status = Status::kOverLimit, .limit = 10, .duration = 3'600'000,
                       .remaining = 3, .created_at = 1'700'000'000'000},
      LeakyBucketState{.limit = 5, .duration = 1000, .remaining = 2.75, .updated_at = 42,
                       .burst = 7},
      FixedWindowState{.limit = 9, .window_start = 60'000, .count = 4},
  };
  std::string bytes;
  for (const BucketState& state : states) {
    EncodeBucketState(state, bytes);
    std::optional<BucketState> decoded = DecodeBucketState(bytes);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, state);
  }
}

TEST(BucketCodecTest, RefusesOtherFormatsTruncationAndUnknownStates) {
  std::string bytes;
  EncodeBucketState(TokenBucketState{.limit = 10}, bytes);
  std::string other_format = bytes;
  other_format[0] = static_cast<char>(kBucketCodecFormat + 1);
  EXPECT_FALSE(DecodeBucketState(other_format).has_value());
  EXPECT_FALSE(DecodeBucketState(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(DecodeBucketState("").has_value());
  std::string unknown_index = bytes;
  unknown_index[1] = static_cast<char>(std::variant_size_v<BucketState>);
  EXPECT_FALSE(DecodeBucketState(unknown_index).has_value());
  std::string wrong_size_for_index = bytes;
  wrong_size_for_index[1] = 2;  // a token bucket's bytes labelled as a fixed window
  EXPECT_FALSE(DecodeBucketState(wrong_size_for_index).has_value());
}

TEST(BucketCodecTest, StateDurationIsTheBucketsWindow) {
  EXPECT_EQ(StateDuration(TokenBucketState{.duration = 5000}), 5000);
  EXPECT_EQ(StateDuration(LeakyBucketState{.duration = 7000}), 7000);
  EXPECT_EQ(StateDuration(FixedWindowState{.limit = 1}), 0);
}

}  // namespace
}  // namespace sluice::core
