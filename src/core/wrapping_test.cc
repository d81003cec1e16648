#include "core/wrapping.h"

#include <gtest/gtest.h>

#include <limits>

namespace sluice::core {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(WrappingTest, InRangeIsPlainArithmetic) {
  EXPECT_EQ(WrapAdd(2, 3), 5);
  EXPECT_EQ(WrapSub(2, 3), -1);
  EXPECT_EQ(WrapMul(-4, 3), -12);
}

// The values Go computes for the same expressions.
TEST(WrappingTest, OverflowWrapsAroundAsInGo) {
  EXPECT_EQ(WrapAdd(kMax, 1), kMin);
  EXPECT_EQ(WrapSub(3, kMin), kMin + 3);  // Gubernator: limit 3, hits -2^63
  EXPECT_EQ(WrapSub(kMin, 1), kMax);
  EXPECT_EQ(WrapMul(kMax, 2), -2);
  EXPECT_EQ(WrapMul(kMin, -1), kMin);
}

}  // namespace
}  // namespace sluice::core
