// The tracing hooks of the forward path, between two in-process nodes' pieces: the sender's peer
// client (cluster/grpc_peer_client) forwards under the routing span's context — the one a door
// makes active (trace_doors_test.cc) — and the owner's PeersV1 door (api/peers_service) continues
// the trace. Each side has its own tracer and sink, as two processes would.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/synchronization/notification.h"
#include "api/peers_service.h"
#include "cluster/global_sync.h"
#include "cluster/grpc_peer_client.h"
#include "cluster/peer_handler.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "obs/registry.h"
#include "api/door_metrics.h"
#include "trace/active_context.h"
#include "trace/test_sinks.h"
#include "trace/tracer.h"

namespace sluice::api {
namespace {

using trace::FindAttribute;
using trace::FindSpan;
using trace::SpanData;
using trace::SpanKind;

constexpr char kPeerMethod[] = "pb.gubernator.PeersV1/GetPeerRateLimits";

trace::TraceContext RouteContext(std::string_view trace_id, std::string_view flags) {
  auto context = trace::ParseTraceparent(std::string("00-") + std::string(trace_id) +
                                         "-b7ad6b7169203331-" + std::string(flags));
  EXPECT_TRUE(context.has_value());
  return context.value_or(trace::TraceContext{});
}

class TraceForwardTest : public ::testing::Test {
 protected:
  void SetUp() override { StartOwner(trace::TracingLevel::kInfo, 1); }
  void TearDown() override {
    if (client_) client_->Shutdown();
    client_.reset();
    if (server_) server_->Shutdown();
  }

  // The owner's PeersV1 door, tracing at `level`, and the sender's client to it, whose batches
  // leave when `batch_limit` items are queued.
  void StartOwner(trace::TracingLevel level, int batch_limit) {
    owner_tracer_.emplace(trace::Sampler::ParentBasedRatio(1), level, owner_sink_);
    service_.emplace(handler_, clock_, metrics_, &*owner_tracer_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&*service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
    cluster::PeerClientOptions options;
    options.batch_wait = absl::Seconds(5);  // a batch leaves when full, never by waiting
    options.batch_limit = batch_limit;
    client_ = cluster::GrpcPeerClient::Create(
        cluster::PeerInfo{.grpc_address = address_},
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()), options, clock_,
        nullptr, &sender_tracer_);
  }

  static core::RateLimitRequest Request(std::string key) {
    return core::RateLimitRequest{.name = "n",
                                  .unique_key = std::move(key),
                                  .hits = 1,
                                  .limit = 10,
                                  .duration = 60'000,
                                  .created_at = 1};
  }

  // Forwards `requests` with `active` as the thread's context (none when invalid), as
  // Router::Route does inside a door's routing scope, and waits for every answer.
  void Forward(const trace::TraceContext& active, std::vector<core::RateLimitRequest> requests) {
    std::vector<std::unique_ptr<absl::Notification>> answered;
    {
      trace::ScopedActiveContext scope(active);
      for (core::RateLimitRequest& r : requests) {
        answered.push_back(std::make_unique<absl::Notification>());
        client_->Forward(std::move(r), [done = answered.back().get()](
                                           absl::StatusOr<core::RateLimitResponse> answer) {
          EXPECT_TRUE(answer.ok()) << answer.status();
          done->Notify();
        });
      }
    }
    for (auto& n : answered) ASSERT_TRUE(n->WaitForNotificationWithTimeout(absl::Seconds(10)));
  }

  core::ManualClock clock_{1'700'000'000'000};
  core::Store store_;
  core::Limiter limiter_{store_};
  obs::Registry registry_;
  DoorMetrics metrics_{registry_};
  cluster::GlobalSync global_{limiter_, nullptr, {}};
  cluster::PeerHandler handler_{limiter_, global_};
  trace::VectorSink owner_sink_;
  std::optional<trace::Tracer> owner_tracer_;
  std::optional<PeersService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  trace::VectorSink sender_sink_;
  trace::Tracer sender_tracer_{trace::Sampler::ParentBasedRatio(1), trace::TracingLevel::kInfo,
                               sender_sink_};
  std::shared_ptr<cluster::GrpcPeerClient> client_;
};

// route → sluice.forward_batch → client call (sender) → server span (owner), one trace.
TEST_F(TraceForwardTest, ASampledForwardIsOneTraceAcrossBothNodes) {
  const trace::TraceContext route = RouteContext("0af7651916cd43dd8448eb211c80319c", "01");
  Forward(route, {Request("k")});

  const std::vector<SpanData> sent = sender_sink_.spans();
  const SpanData* batch = FindSpan(sent, "sluice.forward_batch");
  const SpanData* client = FindSpan(sent, kPeerMethod);
  ASSERT_NE(batch, nullptr);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(batch->trace_id, route.trace_id);
  EXPECT_EQ(batch->parent_span_id, route.span_id);
  EXPECT_EQ(batch->kind, SpanKind::kInternal);
  ASSERT_NE(FindAttribute(*batch, "sluice.batch.size"), nullptr);
  EXPECT_EQ(std::get<int64_t>(*FindAttribute(*batch, "sluice.batch.size")), 1);
  EXPECT_NE(FindAttribute(*batch, "sluice.batch.wait_us"), nullptr);
  EXPECT_EQ(client->trace_id, route.trace_id);
  EXPECT_EQ(client->parent_span_id, batch->span_id);
  EXPECT_EQ(client->kind, SpanKind::kClient);
  ASSERT_NE(FindAttribute(*client, "server.address"), nullptr);
  EXPECT_EQ(std::get<std::string>(*FindAttribute(*client, "server.address")), address_);

  const std::vector<SpanData> owned = owner_sink_.spans();
  ASSERT_EQ(owned.size(), 1u);
  EXPECT_EQ(owned[0].name, kPeerMethod);
  EXPECT_EQ(owned[0].kind, SpanKind::kServer);
  EXPECT_EQ(owned[0].trace_id, route.trace_id);
  EXPECT_EQ(owned[0].parent_span_id, client->span_id);
}

// An unsampled trace stays unsampled across the forward: no spans on either node.
TEST_F(TraceForwardTest, AnUnsampledForwardRecordsNothingOnEitherNode) {
  Forward(RouteContext("0af7651916cd43dd8448eb211c80319c", "00"), {Request("k")});
  EXPECT_TRUE(sender_sink_.spans().empty());
  EXPECT_TRUE(owner_sink_.spans().empty());
}

// No active context (tracing off at the door): the sender records nothing and sends no context,
// so the owner's span, if its own sampler takes one, starts a trace of its own.
TEST_F(TraceForwardTest, WithoutAnActiveContextNoTraceIsCarried) {
  Forward(trace::TraceContext{}, {Request("k")});
  EXPECT_TRUE(sender_sink_.spans().empty());
  for (const SpanData& span : owner_sink_.spans()) {
    EXPECT_EQ(span.parent_span_id, trace::SpanId{}) << span.name;
  }
}

// Items of two traces in one batch (batch_limit 2): the batch rides in the first one's trace,
// and at tracing level DEBUG the owner continues each item's own trace from its per-item traceparent (as
// Gubernator does).
class TraceForwardDebugTest : public TraceForwardTest {
 protected:
  void SetUp() override { StartOwner(trace::TracingLevel::kDebug, 2); }
};

TEST_F(TraceForwardDebugTest, TheOwnerContinuesEachItemsTrace) {
  const trace::TraceContext first = RouteContext("11111111111111111111111111111111", "01");
  const trace::TraceContext second = RouteContext("22222222222222222222222222222222", "01");
  std::vector<std::unique_ptr<absl::Notification>> answered;
  for (const trace::TraceContext* route : {&first, &second}) {
    trace::ScopedActiveContext scope(*route);
    answered.push_back(std::make_unique<absl::Notification>());
    client_->Forward(Request(trace::ToHex(route->trace_id)),
                     [done = answered.back().get()](absl::StatusOr<core::RateLimitResponse>) {
                       done->Notify();
                     });
  }
  for (auto& n : answered) ASSERT_TRUE(n->WaitForNotificationWithTimeout(absl::Seconds(10)));

  const std::vector<SpanData> sent = sender_sink_.spans();
  const SpanData* batch = FindSpan(sent, "sluice.forward_batch");
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->trace_id, first.trace_id);
  EXPECT_EQ(std::get<int64_t>(*FindAttribute(*batch, "sluice.batch.size")), 2);
  int items = 0;
  for (const SpanData& span : owner_sink_.spans()) {
    if (span.name != "sluice.owner_item") continue;
    ++items;
    const trace::TraceContext& own = span.trace_id == first.trace_id ? first : second;
    EXPECT_EQ(span.trace_id, own.trace_id);
    EXPECT_EQ(span.parent_span_id, own.span_id);
  }
  EXPECT_EQ(items, 2);
}

// A GLOBAL update is a trace of its own: the sender's client span is its root, and the owner's
// UpdatePeerGlobals span its child.
TEST_F(TraceForwardTest, AGlobalUpdateCarriesItsOwnTrace) {
  absl::Notification done;
  cluster::GlobalUpdate update{.key = "n_k", .duration = 60'000, .created_at = 1};
  update.status.limit = 10;
  update.status.remaining = 9;
  client_->UpdatePeerGlobals({update}, [&done](absl::Status s) {
    EXPECT_TRUE(s.ok()) << s;
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  const std::vector<SpanData> sent = sender_sink_.spans();
  const SpanData* client = FindSpan(sent, "pb.gubernator.PeersV1/UpdatePeerGlobals");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->parent_span_id, trace::SpanId{});
  EXPECT_EQ(client->kind, SpanKind::kClient);
  const std::vector<SpanData> owned = owner_sink_.spans();
  const SpanData* server = FindSpan(owned, "pb.gubernator.PeersV1/UpdatePeerGlobals");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->trace_id, client->trace_id);
  EXPECT_EQ(server->parent_span_id, client->span_id);
}

}  // namespace
}  // namespace sluice::api
