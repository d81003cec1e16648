#include "trace/trace_context.h"

#include <string>

#include "gtest/gtest.h"

namespace sluice::trace {
namespace {

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheSpecificationExample) {
  auto context = ParseTraceparent(kValid);
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(ToHex(context->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ToHex(context->span_id), "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled);
  EXPECT_EQ(FormatTraceparent(*context), kValid);
}

TEST(TraceparentTest, FlagsOtherThanSampledAreIgnoredOnRead) {
  auto context = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02");
  ASSERT_TRUE(context.has_value());
  EXPECT_FALSE(context->sampled);
  EXPECT_EQ(FormatTraceparent(*context),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(TraceparentTest, RejectsMalformedHeaders) {
  const char* bad[] = {
      "",
      "00",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",           // no flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",       // v00 is exactly 55
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",       // v00 too long
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // uppercase
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // zero span id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // forbidden version
      "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // non-hex version
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // wrong separator
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",        // non-hex trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",        // non-hex flags
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // leading blank
      "00-4bf92f3577b34da6a3ce929d0e0e4736--0f067aa0ba902b7-01",        // shifted field
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",       // future, no '-'
  };
  for (const char* header : bad) {
    EXPECT_FALSE(ParseTraceparent(header).has_value()) << header;
  }
}

TEST(TraceparentTest, AcceptsFutureVersionsWithExtraFields) {
  EXPECT_TRUE(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").has_value());
  EXPECT_TRUE(
      ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future")
          .has_value());
}

TEST(TracestateTest, ValidatesMembers) {
  EXPECT_TRUE(ValidTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
  EXPECT_TRUE(ValidTracestate("tenant@system=value, other=x"));
  EXPECT_TRUE(ValidTracestate("a=1,,b=2"));  // empty members are allowed
  EXPECT_FALSE(ValidTracestate("Rojo=1"));    // uppercase key
  EXPECT_FALSE(ValidTracestate("rojo"));      // no value
  EXPECT_FALSE(ValidTracestate("rojo="));     // empty value
  EXPECT_FALSE(ValidTracestate("a=1,a=2"));   // duplicate key
  EXPECT_FALSE(ValidTracestate("a=b=c"));     // '=' in value
  std::string many;
  for (int i = 0; i < 33; ++i) many += "k" + std::to_string(i) + "=v,";
  EXPECT_FALSE(ValidTracestate(many));
}

TEST(ExtractTest, DropsABadTracestateButKeepsTheParent) {
  auto context = ExtractTraceContext(kValid, "BAD STATE");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->tracestate, "");
  context = ExtractTraceContext(kValid, "rojo=1");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->tracestate, "rojo=1");
  EXPECT_FALSE(ExtractTraceContext("garbage", "rojo=1").has_value());
}

TEST(IdsTest, NewIdsAreNonZeroAndDiffer) {
  TraceContext a{.trace_id = NewTraceId(), .span_id = NewSpanId()};
  TraceContext b{.trace_id = NewTraceId(), .span_id = NewSpanId()};
  EXPECT_TRUE(a.valid());
  EXPECT_NE(a.trace_id, b.trace_id);
  EXPECT_NE(a.span_id, b.span_id);
}

}  // namespace
}  // namespace sluice::trace
