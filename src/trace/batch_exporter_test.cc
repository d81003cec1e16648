#include "trace/batch_exporter.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "obs/registry.h"
#include "testing/exposition.h"

namespace sluice::trace {
namespace {

// Answers each Send with the next scripted outcome (the last one repeats); may hold every Send
// until released, as a stalled receiver does.
class ScriptedTransport final : public ExportTransport {
 public:
  explicit ScriptedTransport(std::vector<ExportOutcome::Kind> script) : script_(std::move(script)) {}
  ExportOutcome Send(std::string_view body) override {
    absl::MutexLock lock(&mu_);
    auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !hold_; };
    mu_.Await(absl::Condition(&released));
    bodies_.emplace_back(body);
    const size_t i = std::min(sends_++, script_.size() - 1);
    return ExportOutcome{script_[i], "scripted"};
  }
  void Hold(bool hold) {
    absl::MutexLock lock(&mu_);
    hold_ = hold;
  }
  size_t sends() {
    absl::MutexLock lock(&mu_);
    return sends_;
  }
  std::vector<std::string> bodies() {
    absl::MutexLock lock(&mu_);
    return bodies_;
  }

 private:
  absl::Mutex mu_;
  std::vector<ExportOutcome::Kind> script_;
  size_t sends_ = 0;
  bool hold_ = false;
  std::vector<std::string> bodies_;
};

SpanData NamedSpan(std::string name) {
  SpanData span;
  span.trace_id = NewTraceId();
  span.span_id = NewSpanId();
  span.name = std::move(name);
  return span;
}

ExporterOptions Fast() {
  ExporterOptions o;
  o.max_queue = 8;
  o.max_batch = 4;
  o.schedule_delay = absl::Milliseconds(20);
  o.max_attempts = 3;
  o.initial_backoff = absl::Milliseconds(1);
  o.max_backoff = absl::Milliseconds(4);
  return o;
}

// The exporter's counters as /metrics exports them.
struct Exported {
  const obs::Registry& registry;
  double Series(const std::string& series) const {
    return obs::ParseExposition(registry.Render()).Get(series);
  }
  double exported() const { return Series("sluice_trace_spans_exported_total"); }
  double dropped(const std::string& reason) const {
    return Series("sluice_trace_spans_dropped_total{reason=\"" + reason + "\"}");
  }
  double export_requests() const {
    return Series("sluice_trace_export_requests_total{result=\"success\"}") +
           Series("sluice_trace_export_requests_total{result=\"failure\"}");
  }
};

// Polls `done` for up to 30 s (the machine is shared; the condition is what is asserted).
template <typename F>
bool Eventually(F done) {
  for (int i = 0; i < 3000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST(BackoffTest, DoublesUpToTheCap) {
  ExporterOptions o;
  o.initial_backoff = absl::Milliseconds(100);
  o.max_backoff = absl::Milliseconds(500);
  EXPECT_EQ(BackoffDelay(1, o), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(2, o), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(3, o), absl::Milliseconds(400));
  EXPECT_EQ(BackoffDelay(4, o), absl::Milliseconds(500));
  EXPECT_EQ(BackoffDelay(60, o), absl::Milliseconds(500));
}

TEST(BatchExporterTest, SendsBatchesWithTheResource) {
  auto transport = std::make_unique<ScriptedTransport>(std::vector{ExportOutcome::Kind::kOk});
  ScriptedTransport* t = transport.get();
  obs::Registry registry;
  BatchExporter exporter({{"service.name", std::string("sluice-test")}}, std::move(transport),
                         Fast(), &registry);
  for (int i = 0; i < 6; ++i) exporter.Submit(NamedSpan("span" + std::to_string(i)));
  const Exported counted{registry};
  ASSERT_TRUE(Eventually([&] { return counted.exported() == 6; }));
  auto bodies = t->bodies();
  ASSERT_GE(bodies.size(), 2u);  // at most 4 spans per batch
  EXPECT_NE(bodies[0].find("sluice-test"), std::string::npos);
  EXPECT_NE(registry.Render().find("sluice_trace_spans_exported_total 6"), std::string::npos);
}

TEST(BatchExporterTest, RetriesThenSucceeds) {
  using K = ExportOutcome::Kind;
  auto transport = std::make_unique<ScriptedTransport>(std::vector{K::kRetryable, K::kOk});
  ScriptedTransport* t = transport.get();
  obs::Registry registry;
  const Exported counted{registry};
  BatchExporter exporter({}, std::move(transport), Fast(), &registry);
  exporter.Submit(NamedSpan("a"));
  ASSERT_TRUE(Eventually([&] { return counted.exported() == 1; }));
  EXPECT_EQ(t->sends(), 2u);
  EXPECT_EQ(counted.dropped("export_failed"), 0);
}

TEST(BatchExporterTest, DropsAfterTheLastAttemptOrARejection) {
  using K = ExportOutcome::Kind;
  obs::Registry registry;
  const Exported counted{registry};
  {
    BatchExporter exporter({}, std::make_unique<ScriptedTransport>(std::vector{K::kRetryable}),
                           Fast(), &registry);
    exporter.Submit(NamedSpan("a"));
    ASSERT_TRUE(Eventually([&] { return counted.dropped("export_failed") == 1; }));
    EXPECT_EQ(counted.export_requests(), 3);  // max_attempts
  }
  {
    BatchExporter exporter({}, std::make_unique<ScriptedTransport>(std::vector{K::kRejected}),
                           Fast(), &registry);
    exporter.Submit(NamedSpan("a"));
    ASSERT_TRUE(Eventually([&] { return counted.dropped("rejected") == 1; }));
    EXPECT_EQ(counted.export_requests(), 3 + 1);  // no retry of a rejected batch
  }
  const std::string text = registry.Render();
  EXPECT_NE(text.find(R"(sluice_trace_spans_dropped_total{reason="export_failed"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(sluice_trace_spans_dropped_total{reason="rejected"} 1)"),
            std::string::npos);
}

TEST(BatchExporterTest, AStalledReceiverNeverBlocksSubmitAndMemoryStaysBounded) {
  auto transport = std::make_unique<ScriptedTransport>(std::vector{ExportOutcome::Kind::kOk});
  ScriptedTransport* t = transport.get();
  t->Hold(true);
  obs::Registry registry;
  const Exported counted{registry};
  BatchExporter exporter({}, std::move(transport), Fast(), &registry);
  exporter.Submit(NamedSpan("first"));
  ASSERT_TRUE(Eventually([&] {  // the first batch is taken and stuck in Send
    exporter.Submit(NamedSpan("probe"));
    return counted.dropped("queue_full") > 0;
  }));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10000; ++i) exporter.Submit(NamedSpan("x"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_GE(counted.dropped("queue_full"), 10000);  // the queue (8) was full throughout
  t->Hold(false);
  exporter.Stop();
  EXPECT_LE(counted.exported(), 4 + 8);  // one batch in flight plus the queue
}

TEST(BatchExporterTest, StopFlushesWhatIsQueued) {
  ExporterOptions o = Fast();
  o.schedule_delay = absl::Hours(1);
  obs::Registry registry;
  const Exported counted{registry};
  BatchExporter exporter(
      {}, std::make_unique<ScriptedTransport>(std::vector{ExportOutcome::Kind::kOk}), o, &registry);
  exporter.Submit(NamedSpan("a"));
  exporter.Submit(NamedSpan("b"));
  exporter.Stop();
  EXPECT_EQ(counted.exported(), 2);
  exporter.Submit(NamedSpan("late"));
  EXPECT_EQ(counted.dropped("queue_full"), 1);
}

}  // namespace
}  // namespace sluice::trace
