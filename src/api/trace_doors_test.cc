// The tracing hooks at the four doors (Gubernator gRPC and HTTP, Envoy gRPC and /json): each reads
// the caller's W3C context from gRPC metadata or HTTP headers, records its server span under it,
// and makes the routing span's context active while the router runs — the context the peer
// client forwards to the owner (trace_forward_test.cc follows it from there).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "api/envoy_service.h"
#include "api/gubernator_http.h"
#include "api/gubernator_service.h"
#include "cluster/health.h"
#include "cluster/router.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "obs/registry.h"
#include "api/door_metrics.h"
#include "rules/rule_store.h"
#include "testing/rules_test_util.h"
#include "trace/active_context.h"
#include "trace/test_sinks.h"
#include "trace/tracer.h"

namespace sluice::api {
namespace {

using trace::FindAttribute;
using trace::FindSpan;
using trace::SpanData;
using trace::SpanKind;

constexpr char kCallerTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerSpanId[] = "00f067aa0ba902b7";
constexpr char kForwardedOwner[] = "10.0.0.2:1051";

std::string Traceparent(std::string_view flags) {
  return std::string("00-") + kCallerTraceId + "-" + kCallerSpanId + "-" + std::string(flags);
}

int64_t IntAttribute(const SpanData& span, std::string_view key) {
  const trace::AttributeValue* v = FindAttribute(span, key);
  return v != nullptr && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -1;
}

std::string StringAttribute(const SpanData& span, std::string_view key) {
  const trace::AttributeValue* v = FindAttribute(span, key);
  return v != nullptr && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v)
                                                                 : "<missing>";
}

// Answers on the local limiter, names kForwardedOwner as every key's owner (as if the items had
// been forwarded), and remembers the trace context active on the calling thread while Route ran.
class ContextRecordingRouter final : public cluster::Router {
 public:
  explicit ContextRecordingRouter(core::Limiter& limiter) : local_(limiter) {}

  void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) override {
    {
      absl::MutexLock lock(&mu_);
      const trace::TraceContext* active = trace::ActiveContext();
      seen_ = active != nullptr ? std::optional<trace::TraceContext>(*active) : std::nullopt;
      ++routed_;
    }
    local_.Route(std::move(requests), now,
                 [done = std::move(done)](std::vector<cluster::RoutedResponse> results) mutable {
                   for (cluster::RoutedResponse& r : results) r.owner = kForwardedOwner;
                   std::move(done)(std::move(results));
                 });
  }

  // The context active during the last Route call (nullopt: none); the number of calls.
  std::optional<trace::TraceContext> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  int routed() const {
    absl::MutexLock lock(&mu_);
    return routed_;
  }

 private:
  cluster::LocalRouter local_;
  mutable absl::Mutex mu_;
  std::optional<trace::TraceContext> seen_ ABSL_GUARDED_BY(mu_);
  int routed_ ABSL_GUARDED_BY(mu_) = 0;
};

constexpr char kRules[] = R"(
domain: shop
descriptors:
  - key: generic_key
    value: limited
    rate_limit: {unit: second, requests_per_unit: 5, name: five-per-second}
)";

class TraceDoorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::shared_ptr<const rules::RuleSet> set = rules::testutil::RuleSetFromYaml(kRules);
    ASSERT_NE(set, nullptr);
    rules_.Replace(set);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&gubernator_service_);
    builder.RegisterService(&envoy_service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override { server_->Shutdown(); }

  // One GetRateLimits call over gRPC with `traceparent` metadata (none when empty).
  void CallGubernatorGrpc(const std::string& traceparent) {
    auto stub = pb::gubernator::V1::NewStub(channel_);
    grpc::ClientContext ctx;
    if (!traceparent.empty()) ctx.AddMetadata("traceparent", traceparent);
    pb::gubernator::GetRateLimitsReq req;
    for (const char* key : {"a", "b"}) {
      auto* r = req.add_requests();
      r->set_name("n");
      r->set_unique_key(key);
      r->set_hits(1);
      r->set_limit(10);
      r->set_duration(1000);
    }
    pb::gubernator::GetRateLimitsResp resp;
    ASSERT_TRUE(stub->GetRateLimits(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.responses_size(), 2);
  }

  // An HTTP handler's call, answered inline (the router answers from the local limiter).
  static net::HttpResponse CallHttp(const net::HttpHandler& handler, net::HttpRequest req) {
    std::optional<net::HttpResponse> answer;
    handler(req, [&answer](net::HttpResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(net::HttpResponse{.status = 0});
  }

  // The door span and its routing child, checked to continue the caller's trace, and the router
  // to have run under the routing span's context.
  void ExpectCallerChain(const std::vector<SpanData>& spans, std::string_view door_name,
                         std::string_view rpc_system, int64_t items) {
    const SpanData* door = FindSpan(spans, door_name);
    const SpanData* route = FindSpan(spans, "sluice.route");
    ASSERT_NE(door, nullptr) << door_name;
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(trace::ToHex(door->trace_id), kCallerTraceId);
    EXPECT_EQ(trace::ToHex(door->parent_span_id), kCallerSpanId);
    EXPECT_EQ(door->kind, SpanKind::kServer);
    EXPECT_EQ(StringAttribute(*door, "rpc.system"), rpc_system);
    EXPECT_EQ(IntAttribute(*door, "sluice.items"), items);
    EXPECT_EQ(IntAttribute(*door, "sluice.errors"), 0);
    EXPECT_EQ(route->trace_id, door->trace_id);
    EXPECT_EQ(route->parent_span_id, door->span_id);
    EXPECT_EQ(route->kind, SpanKind::kInternal);
    EXPECT_EQ(StringAttribute(*route, "sluice.owner"), kForwardedOwner);
    EXPECT_EQ(IntAttribute(*route, "sluice.forwarded"), items);
    EXPECT_EQ(IntAttribute(*route, "sluice.local"), 0);
    // What the peer client reads: the routing span's context, sampled.
    std::optional<trace::TraceContext> seen = router_.seen();
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->trace_id, route->trace_id);
    EXPECT_EQ(seen->span_id, route->span_id);
    EXPECT_TRUE(seen->sampled);
  }

  trace::VectorSink sink_;
  trace::ManualNanoClock span_clock_;
  trace::Tracer tracer_{trace::Sampler::ParentBasedRatio(1), trace::TracingLevel::kInfo, sink_,
                        span_clock_};
  core::ManualClock clock_{1'700'000'000'000};
  core::Store store_;
  core::Limiter limiter_{store_};
  ContextRecordingRouter router_{limiter_};
  cluster::StandaloneHealth health_{"127.0.0.1:1051"};
  GubernatorHandler gubernator_{router_, clock_, health_};
  rules::RuleStore rules_{""};
  EnvoyOptions envoy_options_;
  EnvoyHandler envoy_{router_, clock_, rules_, envoy_options_};
  obs::Registry registry_;
  DoorMetrics metrics_{registry_};
  GubernatorService gubernator_service_{gubernator_, metrics_, &tracer_};
  EnvoyService envoy_service_{envoy_, metrics_, &tracer_};
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(TraceDoorsTest, GubernatorGrpcContinuesTheCallersTrace) {
  CallGubernatorGrpc(Traceparent("01"));
  const std::vector<SpanData> spans = sink_.spans();
  ASSERT_EQ(spans.size(), 2u);
  ExpectCallerChain(spans, "pb.gubernator.V1/GetRateLimits", "grpc", 2);
  const SpanData* door = FindSpan(spans, "pb.gubernator.V1/GetRateLimits");
  EXPECT_EQ(StringAttribute(*door, "rpc.service"), "pb.gubernator.V1");
  EXPECT_EQ(StringAttribute(*door, "rpc.method"), "GetRateLimits");
}

TEST_F(TraceDoorsTest, GubernatorHttpReadsTheTraceHeaders) {
  net::HttpHandler handler = GetRateLimitsHttpHandler(gubernator_, metrics_, &tracer_);
  net::HttpResponse answer = CallHttp(
      handler, {.method = "POST",
                .path = "/v1/GetRateLimits",
                .body = R"({"requests":[{"name":"n","unique_key":"k","hits":1,"limit":10,)"
                        R"("duration":1000}]})",
                .content_type = "application/json",
                .traceparent = Traceparent("01"),
                .tracestate = "rojo=00f067aa0ba902b7"});
  EXPECT_EQ(answer.status, 200) << answer.body;
  const std::vector<SpanData> spans = sink_.spans();
  ASSERT_EQ(spans.size(), 2u);
  ExpectCallerChain(spans, "pb.gubernator.V1/GetRateLimits", "http", 1);
  EXPECT_EQ(FindSpan(spans, "pb.gubernator.V1/GetRateLimits")->tracestate,
            "rojo=00f067aa0ba902b7");
}

TEST_F(TraceDoorsTest, EnvoyGrpcRecordsTheRulesLookup) {
  auto stub = envoy::service::ratelimit::v3::RateLimitService::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("traceparent", Traceparent("01"));
  envoy::service::ratelimit::v3::RateLimitRequest req;
  req.set_domain("shop");
  auto* entry = req.add_descriptors()->add_entries();
  entry->set_key("generic_key");
  entry->set_value("limited");
  envoy::service::ratelimit::v3::RateLimitResponse resp;
  ASSERT_TRUE(stub->ShouldRateLimit(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.overall_code(), envoy::service::ratelimit::v3::RateLimitResponse::OK);

  const std::vector<SpanData> spans = sink_.spans();
  ASSERT_EQ(spans.size(), 3u);
  constexpr char kDoor[] = "envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit";
  ExpectCallerChain(spans, kDoor, "grpc", 1);
  const SpanData* door = FindSpan(spans, kDoor);
  const SpanData* lookup = FindSpan(spans, "sluice.rules_lookup");
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->parent_span_id, door->span_id);
  EXPECT_EQ(StringAttribute(*lookup, "sluice.domain"), "shop");
  EXPECT_EQ(IntAttribute(*lookup, "sluice.matched_rules"), 1);
}

TEST_F(TraceDoorsTest, EnvoyJsonReadsTheTraceHeaders) {
  net::HttpHandler handler = EnvoyJsonHttpHandler(envoy_, metrics_, &tracer_);
  net::HttpResponse answer = CallHttp(
      handler,
      {.method = "POST",
       .path = "/json",
       .body = R"({"domain":"shop","descriptors":[{"entries":[{"key":"generic_key",)"
               R"("value":"limited"}]}]})",
       .content_type = "application/json",
       .traceparent = Traceparent("01")});
  EXPECT_EQ(answer.status, 200) << answer.body;
  const std::vector<SpanData> spans = sink_.spans();
  ASSERT_EQ(spans.size(), 3u);
  ExpectCallerChain(spans, "envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit", "http",
                    1);
  EXPECT_NE(FindSpan(spans, "sluice.rules_lookup"), nullptr);
}

// An unsampled caller: nothing is recorded, but the router still runs under the caller's trace,
// unsampled, so the owner does not sample it either.
TEST_F(TraceDoorsTest, AnUnsampledCallerRecordsNothingButPropagatesItsTrace) {
  CallGubernatorGrpc(Traceparent("00"));
  EXPECT_TRUE(sink_.spans().empty());
  std::optional<trace::TraceContext> seen = router_.seen();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(trace::ToHex(seen->trace_id), kCallerTraceId);
  EXPECT_FALSE(seen->sampled);
}

// A call without a context starts a new trace (sampled here: ratio 1); the door span is its root.
TEST_F(TraceDoorsTest, ACallWithoutAContextStartsATrace) {
  CallGubernatorGrpc("");
  const std::vector<SpanData> spans = sink_.spans();
  const SpanData* door = FindSpan(spans, "pb.gubernator.V1/GetRateLimits");
  ASSERT_NE(door, nullptr);
  EXPECT_NE(trace::ToHex(door->trace_id), kCallerTraceId);
  EXPECT_EQ(door->parent_span_id, trace::SpanId{});
  std::optional<trace::TraceContext> seen = router_.seen();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->trace_id, door->trace_id);
}

// Tracing off (no tracer): the router runs with no active context and nothing is recorded.
TEST_F(TraceDoorsTest, WithoutATracerNoContextIsActive) {
  net::HttpHandler handler = GetRateLimitsHttpHandler(gubernator_, metrics_, nullptr);
  CallHttp(handler, {.method = "POST",
                     .path = "/v1/GetRateLimits",
                     .body = R"({"requests":[{"name":"n","unique_key":"k","hits":1,"limit":10,)"
                             R"("duration":1000}]})",
                     .content_type = "application/json",
                     .traceparent = Traceparent("01")});
  EXPECT_EQ(router_.routed(), 1);
  EXPECT_FALSE(router_.seen().has_value());
  EXPECT_TRUE(sink_.spans().empty());
}

}  // namespace
}  // namespace sluice::api
