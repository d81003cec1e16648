#include "core/saturating.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

TEST(SaturatingTest, InRangeIsPlainArithmetic) {
  EXPECT_EQ(SatAdd(2, 3), 5);
  EXPECT_EQ(SatSub(2, 3), -1);
  EXPECT_EQ(SatMul(-4, 3), -12);
}

// Where Go wraps around (and Gubernator answers nonsense), the result sticks at the range's end.
TEST(SaturatingTest, OverflowStopsAtTheRangesEnds) {
  EXPECT_EQ(SatAdd(kInt64Max, 1), kInt64Max);
  EXPECT_EQ(SatAdd(kInt64Min, -1), kInt64Min);
  EXPECT_EQ(SatSub(3, kInt64Min), kInt64Max);  // limit 3, hits -2^63: Go gives -2^63 + 3
  EXPECT_EQ(SatSub(kInt64Min, 1), kInt64Min);
  EXPECT_EQ(SatSub(-2, kInt64Max), kInt64Min);
  EXPECT_EQ(SatMul(kInt64Max, 2), kInt64Max);
  EXPECT_EQ(SatMul(kInt64Min, -1), kInt64Max);
  EXPECT_EQ(SatMul(kInt64Min, 2), kInt64Min);
  EXPECT_EQ(SatMul(kInt64Max, -2), kInt64Min);
}

}  // namespace
}  // namespace sluice::core
