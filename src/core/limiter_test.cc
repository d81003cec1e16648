#include "core/limiter.h"

#include <gtest/gtest.h>

#include "testing/core_test_util.h"

namespace sluice::core {
namespace {

using LimiterTest = LimiterFixture;

TEST_F(LimiterTest, KeysAreNameUnderscoreUniqueKey) {
  Hit(1, 10, 1000);
  EXPECT_TRUE(store_.Peek("test_account:1", kStart).has_value());
  EXPECT_EQ(HashKey("a_b", "c"), HashKey("a", "b_c"));  // no escaping, as Gubernator
}

TEST(HashKeyIntoTest, OverwritesTheBufferAndMatchesHashKey) {
  std::string buffer = "left over from a longer previous key";
  EXPECT_EQ(HashKeyInto(buffer, "name", "key"), HashKey("name", "key"));
  EXPECT_EQ(buffer, "name_key");
  const size_t capacity = buffer.capacity();
  EXPECT_EQ(HashKeyInto(buffer, "n", "k"), "n_k");
  EXPECT_EQ(buffer.capacity(), capacity);  // reused, not reallocated
}

TEST_F(LimiterTest, DifferentKeysAreIndependent) {
  auto a = Request(10, 10, 1000);
  auto b = Request(1, 10, 1000);
  b.unique_key = "account:2";
  EXPECT_EQ(Check(a).remaining, 0);
  EXPECT_EQ(Check(b).remaining, 9);
}

TEST_F(LimiterTest, ReplaceOverwritesState) {
  Hit(1, 10, 1000);
  limiter_.Replace("test_account:1",
                   BucketItem{.state = TokenBucketState{.limit = 10, .duration = 1000,
                                                        .remaining = 3, .created_at = kStart},
                              .expire_at = kStart + 1000},
                   kStart);
  EXPECT_EQ(Hit(0, 10, 1000).remaining, 3);
}

}  // namespace
}  // namespace sluice::core
