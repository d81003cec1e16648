// Fakes shared by the trace module's tests: a clock that moves when told and a sink that keeps
// every ended span.
#pragma once

#include <atomic>
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

}  // namespace sluice::trace
