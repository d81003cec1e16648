#include "trace/tracer.h"

#include "gtest/gtest.h"
#include "trace/active_context.h"
#include "trace/test_sinks.h"

namespace sluice::trace {
namespace {

TEST(TracerTest, ChildrenShareTheTraceAndNameTheirParent) {
  VectorSink sink;
  ManualNanoClock clock;
  Tracer tracer(Sampler::ParentBasedRatio(1), TracingLevel::kInfo, sink, clock);
  auto incoming = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  incoming->tracestate = "rojo=1";
  {
    Span door = tracer.StartSpan("door", SpanKind::kServer, incoming, TracingLevel::kError);
    ASSERT_TRUE(door.recording());
    clock.Advance(500);
    Span route = tracer.StartChild("route", SpanKind::kInternal, door);
    route.SetAttribute("sluice.owner", "10.0.0.2:1051");
    route.SetAttribute("sluice.items", 3);
    clock.Advance(1000);
    route.End();
    door.SetError("boom");
  }
  auto spans = sink.spans();
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& route = spans[0];
  const SpanData& door = spans[1];
  EXPECT_EQ(door.trace_id, incoming->trace_id);
  EXPECT_EQ(door.parent_span_id, incoming->span_id);
  EXPECT_EQ(door.tracestate, "rojo=1");
  EXPECT_EQ(door.kind, SpanKind::kServer);
  EXPECT_TRUE(door.error);
  EXPECT_EQ(door.status_message, "boom");
  EXPECT_EQ(door.end_ns - door.start_ns, 1500);
  EXPECT_EQ(route.trace_id, incoming->trace_id);
  EXPECT_EQ(route.parent_span_id, door.span_id);
  EXPECT_EQ(route.end_ns - route.start_ns, 1000);
  ASSERT_NE(FindAttribute(route, "sluice.owner"), nullptr);
  EXPECT_EQ(std::get<std::string>(*FindAttribute(route, "sluice.owner")), "10.0.0.2:1051");
  EXPECT_EQ(std::get<int64_t>(*FindAttribute(route, "sluice.items")), 3);
}

TEST(TracerTest, UnsampledSpansCarryAContextButRecordNothing) {
  VectorSink sink;
  Tracer tracer(Sampler::ParentBasedRatio(1), TracingLevel::kDebug, sink);
  auto parent = ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Span span = tracer.StartSpan("door", SpanKind::kServer, parent);
  EXPECT_FALSE(span.recording());
  EXPECT_TRUE(span.has_context());
  EXPECT_FALSE(span.context().sampled);
  EXPECT_EQ(span.context().trace_id, parent->trace_id);
  span.SetAttribute("x", 1);
  span.End();
  EXPECT_TRUE(sink.spans().empty());
}

TEST(TracerTest, SpansAboveTheLevelAreSkippedAndChildrenAttachToTheirParent) {
  VectorSink sink;
  Tracer tracer(Sampler::ParentBasedRatio(1), TracingLevel::kError, sink);
  {
    Span door = tracer.StartSpan("door", SpanKind::kServer, std::nullopt, TracingLevel::kError);
    Span route = tracer.StartChild("route", SpanKind::kInternal, door, TracingLevel::kInfo);
    EXPECT_FALSE(route.recording());
    Span peer = tracer.StartChild("peer", SpanKind::kClient, route, TracingLevel::kError);
    EXPECT_TRUE(peer.recording());
  }
  auto spans = sink.spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "peer");
  EXPECT_EQ(spans[0].parent_span_id, spans[1].span_id);  // peer's parent is the door
  EXPECT_EQ(spans[1].parent_span_id, SpanId{});           // the door is a root
}

TEST(TracerTest, ChildOfAnEmptySpanIsEmpty) {
  VectorSink sink;
  Tracer tracer(Sampler::ParentBasedRatio(1), TracingLevel::kInfo, sink);
  Span none;
  EXPECT_FALSE(tracer.StartChild("x", SpanKind::kInternal, none).has_context());
}

TEST(TracingLevelTest, ParsesGubernatorsNames) {
  EXPECT_EQ(*ParseTracingLevel("error"), TracingLevel::kError);
  EXPECT_EQ(*ParseTracingLevel("INFO"), TracingLevel::kInfo);
  EXPECT_EQ(*ParseTracingLevel(" Debug "), TracingLevel::kDebug);
  auto bad = ParseTracingLevel("trace");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ERROR, INFO, DEBUG"), std::string::npos);
}

TEST(ActiveContextTest, ScopesNest) {
  EXPECT_EQ(ActiveContext(), nullptr);
  TraceContext outer{.trace_id = NewTraceId(), .span_id = NewSpanId()};
  TraceContext inner{.trace_id = NewTraceId(), .span_id = NewSpanId()};
  {
    ScopedActiveContext a(outer);
    EXPECT_EQ(ActiveContext()->trace_id, outer.trace_id);
    {
      ScopedActiveContext b(inner);
      EXPECT_EQ(ActiveContext()->trace_id, inner.trace_id);
      TraceContext invalid;
      ScopedActiveContext c(invalid);
      EXPECT_EQ(ActiveContext()->trace_id, inner.trace_id);
    }
    EXPECT_EQ(ActiveContext()->trace_id, outer.trace_id);
  }
  EXPECT_EQ(ActiveContext(), nullptr);
}

}  // namespace
}  // namespace sluice::trace
