#include "core/store_key.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sluice::core {
namespace {

TEST(StoreKeyTest, HoldsShortAndLongKeys) {
  for (size_t n : {size_t{0}, size_t{1}, StoreKey::kInlineBytes, StoreKey::kInlineBytes + 1,
                   size_t{1000}}) {
    std::string text(n, 'k');
    if (n > 0) text.back() = 'z';
    StoreKey key;
    key.Assign(text);
    EXPECT_EQ(key.view(), text) << n;
    EXPECT_TRUE(key == text);
    EXPECT_FALSE(key == text + "x");
  }
}

TEST(StoreKeyTest, ReassigningBetweenInlineAndHeapKeepsTheNewBytes) {
  StoreKey key;
  const std::string long_key(100, 'l');
  key.Assign(long_key);
  key.Assign("short");
  EXPECT_EQ(key.view(), "short");
  key.Assign(long_key);
  EXPECT_EQ(key.view(), long_key);
  key.Clear();
  EXPECT_EQ(key.view(), "");
}  // leak-checked under ASan

TEST(StoreKeyTest, MovesCarryTheBytesAndEmptyTheSource) {
  const std::string long_key(60, 'm');
  std::vector<StoreKey> keys(2);
  keys[0].Assign("inline");
  keys[1].Assign(long_key);
  std::vector<StoreKey> moved;
  for (StoreKey& k : keys) moved.push_back(std::move(k));
  moved.reserve(100);  // relocates the elements again
  EXPECT_EQ(moved[0].view(), "inline");
  EXPECT_EQ(moved[1].view(), long_key);
  EXPECT_EQ(keys[1].view(), "");
  StoreKey target;
  target.Assign(std::string(50, 't'));
  target = std::move(moved[1]);
  EXPECT_EQ(target.view(), long_key);
}

}  // namespace
}  // namespace sluice::core
