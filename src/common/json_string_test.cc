#include "common/json_string.h"

#include <gtest/gtest.h>

namespace sluice::common {
namespace {

// The full comparison with protobuf's printer, code point by code point, is in
// api/gubernator_json_test.cc; these pin the shapes every caller relies on.
TEST(JsonStringTest, EscapesAsProtobufDoes) {
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c<d>e\n\t\r\b\f\x01\x7f/"),
            R"("a\"b\\c\u003cd\u003ee\n\t\r\b\f\u0001\u007f/")");
  EXPECT_EQ(JsonString("\xe2\x80\xa8\xc3\xa9"), R"("\u2028)" "\xc3\xa9\"");
  EXPECT_EQ(JsonString("\xf3\xa0\x80\x81"), R"("\udb40\udc01")");  // U+E0001, a surrogate pair
}

TEST(JsonStringTest, InvalidUtf8BecomesReplacementAndIsReported) {
  std::string out;
  EXPECT_FALSE(AppendJsonString("a\xff" "b", &out));
  EXPECT_EQ(out, R"("a\ufffdb")");
  out.clear();
  EXPECT_TRUE(AppendJsonEscaped("ok", &out));
  EXPECT_EQ(out, "ok");
}

}  // namespace
}  // namespace sluice::common
