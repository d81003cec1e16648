#include "rules/entry_hash.h"

#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace sluice::rules {
namespace {

// Every length from empty past two words, so each tail path (1-3, 4-7, 8, over 8 bytes) runs.
constexpr size_t kMaxLength = 40;

std::string Text(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
  return s;
}

TEST(SameBytesTest, AgreesWithStringEqualityForEveryLengthAndEveryPosition) {
  for (size_t n = 0; n <= kMaxLength; ++n) {
    const std::string a = Text(n);
    std::string b = a;
    EXPECT_TRUE(SameBytes(a, b)) << n;
    for (size_t i = 0; i < n; ++i) {
      b[i] ^= 1;
      EXPECT_FALSE(SameBytes(a, b)) << "length " << n << " differing at " << i;
      b[i] ^= 1;
    }
    EXPECT_FALSE(SameBytes(a, a + "x")) << n;
    EXPECT_FALSE(SameBytes(a + "x", a)) << n;
  }
}

TEST(SameBytesTest, ComparesBytesNotAddresses) {
  const std::string a = "generic_key";
  const std::string b = "generic_key";
  EXPECT_TRUE(SameBytes(std::string_view(a), std::string_view(b)));
  EXPECT_TRUE(SameBytes(std::string_view(), std::string_view("")));
}

TEST(EntryHashTest, EqualEntriesHashEqual) {
  for (size_t n = 0; n <= kMaxLength; ++n) {
    const std::string key = Text(n);
    const std::string copy = key;
    EXPECT_EQ(EntryHash(key, key), EntryHash(copy, copy)) << n;
  }
}

TEST(EntryHashTest, EveryByteAndEveryLengthChangesTheHash) {
  for (size_t n = 1; n <= kMaxLength; ++n) {
    const std::string value = Text(n);
    const size_t base = EntryHash("key", value);
    std::string changed = value;
    for (size_t i = 0; i < n; ++i) {
      changed[i] ^= 1;
      EXPECT_NE(EntryHash("key", changed), base) << "length " << n << " byte " << i;
      changed[i] ^= 1;
    }
    EXPECT_NE(EntryHash("key", value.substr(0, n - 1)), base) << n;
  }
}

TEST(EntryHashTest, WhereKeyEndsAndValueBeginsMatters) {
  EXPECT_NE(EntryHash("ab", "c"), EntryHash("a", "bc"));
  EXPECT_NE(EntryHash("abc", ""), EntryHash("", "abc"));
  EXPECT_NE(EntryHash("user", ""), EntryHash("user", "user"));
  // A zero byte is still a byte: padding a short tail with zeros must not collide.
  EXPECT_NE(EntryHash("k", std::string_view("a\0", 2)), EntryHash("k", "a"));
}

TEST(EntryHashTest, SpreadsSimilarEntriesOverTheLowBitsAbseilProbesWith) {
  // flat_hash_map takes the low 7 bits as a tag and the rest as the probe start: values that
  // differ only in a counter suffix (the usual shape of descriptor values) must spread over both.
  absl::flat_hash_set<size_t> tags;
  absl::flat_hash_set<size_t> groups;
  for (int i = 0; i < 1000; ++i) {
    const size_t hash = EntryHash("generic_key", "limited" + std::to_string(i));
    tags.insert(hash & 0x7F);
    groups.insert((hash >> 7) & 0x3FF);
  }
  EXPECT_GE(tags.size(), 120u);    // of 128
  EXPECT_GE(groups.size(), 550u);  // 1,000 draws from 1,024 buckets give ~632 distinct
}

}  // namespace
}  // namespace sluice::rules
