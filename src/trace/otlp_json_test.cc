#include "trace/otlp_json.h"

#include <limits>

#include "gtest/gtest.h"

namespace sluice::trace {
namespace {

TEST(OtlpJsonTest, EncodesTheExportRequest) {
  SpanData span;
  span.trace_id = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")->trace_id;
  span.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  span.parent_span_id = {0, 0, 0, 0, 0, 0, 0, 9};
  span.tracestate = "rojo=1";
  span.name = "pb.gubernator.V1/GetRateLimits";
  span.kind = SpanKind::kServer;
  span.start_ns = 1700000000000000000;
  span.end_ns = 1700000000000001000;
  span.error = true;
  span.status_message = "bad \"quote\"";
  span.attributes = {{"rpc.system", std::string("grpc")},
                     {"sluice.items", int64_t{3}},
                     {"sluice.local", true},
                     {"sluice.ratio", 0.5}};
  const std::string json =
      EncodeOtlpJson({{"service.name", std::string("sluice")}}, {span});
  EXPECT_EQ(json,
            R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"sluice"}}]},)"
            R"("scopeSpans":[{"scope":{"name":"sluice"},"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736",)"
            R"("spanId":"0102030405060708","parentSpanId":"0000000000000009","traceState":"rojo=1",)"
            R"("name":"pb.gubernator.V1/GetRateLimits","kind":2,"startTimeUnixNano":"1700000000000000000",)"
            R"("endTimeUnixNano":"1700000000000001000","attributes":[)"
            R"({"key":"rpc.system","value":{"stringValue":"grpc"}},)"
            R"({"key":"sluice.items","value":{"intValue":"3"}},)"
            R"({"key":"sluice.local","value":{"boolValue":true}},)"
            R"({"key":"sluice.ratio","value":{"doubleValue":0.5}}],)"
            R"("status":{"code":2,"message":"bad \"quote\""}}]}]}]})");
}

TEST(OtlpJsonTest, RootSpansHaveNoParentAndNonFiniteDoublesAreStrings) {
  SpanData span;
  span.trace_id = NewTraceId();
  span.span_id = NewSpanId();
  span.attributes = {{"x", std::numeric_limits<double>::infinity()}};
  const std::string json = EncodeOtlpJson({}, {span, span});
  EXPECT_EQ(json.find("parentSpanId"), std::string::npos);
  EXPECT_NE(json.find(R"({"doubleValue":"Infinity"})"), std::string::npos);
  EXPECT_NE(json.find("},{\"traceId\""), std::string::npos);  // two spans, comma separated
}

}  // namespace
}  // namespace sluice::trace
