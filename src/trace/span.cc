#include "trace/span.h"

#include <chrono>

namespace sluice::trace {

int64_t SystemNanoClock::NowNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemNanoClock& SystemNanoClock::Instance() {
  static const SystemNanoClock clock;
  return clock;
}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    End();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
    sink_ = other.sink_;
    clock_ = other.clock_;
  }
  return *this;
}

void Span::SetAttribute(std::string_view key, std::string_view value) {
  if (data_) data_->attributes.push_back({std::string(key), std::string(value)});
}
void Span::SetAttribute(std::string_view key, int64_t value) {
  if (data_) data_->attributes.push_back({std::string(key), value});
}
void Span::SetAttribute(std::string_view key, bool value) {
  if (data_) data_->attributes.push_back({std::string(key), value});
}
void Span::SetAttribute(std::string_view key, double value) {
  if (data_) data_->attributes.push_back({std::string(key), value});
}

void Span::SetError(std::string_view message) {
  if (!data_) return;
  data_->error = true;
  data_->status_message = std::string(message);
}

void Span::SetStartNanos(int64_t start_ns) {
  if (data_) data_->start_ns = start_ns;
}

void Span::End() {
  if (!data_) return;
  data_->end_ns = clock_->NowNanos();
  if (data_->end_ns < data_->start_ns) data_->end_ns = data_->start_ns;
  std::unique_ptr<SpanData> data = std::move(data_);
  sink_->Submit(std::move(*data));
}

}  // namespace sluice::trace
