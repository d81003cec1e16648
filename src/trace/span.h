// Span: one timed operation of a trace — what the exporter sends — and the handle code uses to
// fill it in. SpanData is the finished record (OTLP's Span, reduced to what Sluice sets).
//
// A Span handle either records (it was sampled: attributes are kept and End() hands the data to
// the tracer's sink) or only carries its context (not sampled, or below the tracing level: every
// setter is a no-op, and End() does nothing), so callers write the same code either way and the
// unsampled path allocates nothing beyond the context. An empty Span (default-constructed) has no
// context at all: tracing is off.
//
// Thread safety: a Span is used by one thread at a time (it may move between threads with the
// call it belongs to). SpanData is a value.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "trace/trace_context.h"

namespace sluice::trace {

// OTLP's SpanKind values.
enum class SpanKind : int { kInternal = 1, kServer = 2, kClient = 3 };

using AttributeValue = std::variant<std::string, int64_t, bool, double>;

struct Attribute {
  std::string key;
  AttributeValue value;
};

struct SpanData {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{};  // all zero for a trace's root span
  std::string tracestate;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  int64_t start_ns = 0;  // Unix epoch nanoseconds
  int64_t end_ns = 0;
  bool error = false;  // OTLP status ERROR; otherwise UNSET
  std::string status_message;
  std::vector<Attribute> attributes;
};

// Where ended spans go (the exporter; a vector in tests). Submit must not block.
class SpanSink {
 public:
  virtual ~SpanSink() = default;
  virtual void Submit(SpanData span) = 0;
};

// The source of span timestamps: Unix epoch nanoseconds.
class NanoClock {
 public:
  virtual ~NanoClock() = default;
  virtual int64_t NowNanos() const = 0;
};

class SystemNanoClock final : public NanoClock {
 public:
  int64_t NowNanos() const override;
  static const SystemNanoClock& Instance();
};

class Span {
 public:
  Span() = default;  // no context: tracing off
  // A span that only carries `context` (not recorded).
  explicit Span(TraceContext context) : context_(std::move(context)) {}
  // A recording span; `data` holds ids, name, kind and start time already.
  Span(std::unique_ptr<SpanData> data, TraceContext context, SpanSink* sink, const NanoClock* clock)
      : context_(std::move(context)), data_(std::move(data)), sink_(sink), clock_(clock) {}
  Span(Span&&) = default;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { End(); }  // a span forgotten on an early return still ends

  // Whether there is a trace context to propagate (tracing is on for this call).
  bool has_context() const { return context_.valid(); }
  // The context children and peers continue from (this span's id when recording; the parent's
  // span id when this span was skipped by the tracing level).
  const TraceContext& context() const { return context_; }
  bool recording() const { return data_ != nullptr; }

  void SetAttribute(std::string_view key, std::string_view value);
  void SetAttribute(std::string_view key, const char* value) {
    SetAttribute(key, std::string_view(value));
  }
  void SetAttribute(std::string_view key, int64_t value);
  void SetAttribute(std::string_view key, int value) {
    SetAttribute(key, static_cast<int64_t>(value));
  }
  void SetAttribute(std::string_view key, size_t value) {
    SetAttribute(key, static_cast<int64_t>(value));
  }
  void SetAttribute(std::string_view key, bool value);
  void SetAttribute(std::string_view key, double value);
  // Marks the span failed (OTLP status ERROR) with `message`.
  void SetError(std::string_view message);
  // Overrides the start time (a batch span starts when its first item was queued).
  void SetStartNanos(int64_t start_ns);

  // Stamps the end time and hands the data to the sink; later calls do nothing.
  void End();

 private:
  TraceContext context_;
  std::unique_ptr<SpanData> data_;
  SpanSink* sink_ = nullptr;
  const NanoClock* clock_ = nullptr;
};

}  // namespace sluice::trace
