#include "common/utf8.h"

#include <gtest/gtest.h>

namespace sluice::common {
namespace {

TEST(Utf8Test, AcceptsStrictUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9"));          // é
  EXPECT_TRUE(IsValidUtf8("\xe2\x80\xa8"));      // U+2028
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
}

TEST(Utf8Test, RefusesWhatProtobufRefuses) {
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // stray continuation byte
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Utf8Test, DecodeAdvancesPastOneSequence) {
  const std::string_view text = "\xe2\x80\xa8x";
  const char* p = text.data();
  uint32_t cp = 0;
  ASSERT_TRUE(DecodeMultibyteUtf8(&p, text.data() + text.size(), &cp));
  EXPECT_EQ(cp, 0x2028u);
  EXPECT_EQ(*p, 'x');
}

}  // namespace
}  // namespace sluice::common
