// Fakes shared by the tests of tracing (here and at the doors and the peer client): a clock that
// moves when told, a sink that keeps every ended span, and lookups into the kept spans.
#pragma once

#include <atomic>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "trace/span.h"

namespace sluice::trace {

class ManualNanoClock final : public NanoClock {
 public:
  explicit ManualNanoClock(int64_t now = 1'000'000'000) : now_(now) {}
  int64_t NowNanos() const override { return now_.load(); }
  void Advance(int64_t nanos) { now_ += nanos; }

 private:
  std::atomic<int64_t> now_;
};

class VectorSink final : public SpanSink {
 public:
  void Submit(SpanData span) override {
    absl::MutexLock lock(&mu_);
    spans_.push_back(std::move(span));
  }
  std::vector<SpanData> spans() const {
    absl::MutexLock lock(&mu_);
    return spans_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<SpanData> spans_;
};

// The attribute `key` of `span`, or null.
inline const AttributeValue* FindAttribute(const SpanData& span, std::string_view key) {
  for (const Attribute& a : span.attributes) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

// The first span called `name`, or null.
inline const SpanData* FindSpan(const std::vector<SpanData>& spans, std::string_view name) {
  for (const SpanData& s : spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace sluice::trace
