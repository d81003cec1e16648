#include "trace/batch_exporter.h"

#include <algorithm>
#include <utility>

#include "spdlog/spdlog.h"
#include "trace/otlp_json.h"

namespace sluice::trace {
namespace {

// A failing receiver is logged at most once per period.
constexpr absl::Duration kWarningPeriod = absl::Seconds(10);

}  // namespace

absl::Duration BackoffDelay(int retry, const ExporterOptions& options) {
  absl::Duration delay = options.initial_backoff;
  for (int i = 1; i < retry && delay < options.max_backoff; ++i) delay *= 2;
  return std::min(delay, options.max_backoff);
}

BatchExporter::BatchExporter(std::vector<Attribute> resource,
                             std::unique_ptr<ExportTransport> transport, ExporterOptions options,
                             obs::Registry* registry)
    : resource_(std::move(resource)),
      transport_(std::move(transport)),
      options_(options),
      own_registry_(registry ? nullptr : std::make_unique<obs::Registry>()),
      metrics_(registry ? *registry : *own_registry_) {
  thread_ = std::thread([this] { Loop(); });
}

BatchExporter::~BatchExporter() { Stop(); }

void BatchExporter::Submit(SpanData span) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < options_.max_queue) {
      if (queue_.empty()) oldest_ = absl::Now();
      queue_.push_back(std::move(span));
      return;
    }
  }
  metrics_.dropped_queue_full->Increment();
}

void BatchExporter::Loop() {
  while (true) {
    std::vector<SpanData> batch;
    bool final = false;
    {
      absl::MutexLock lock(&mu_);
      auto any = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&any));
      if (!stopping_) {
        auto full = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || queue_.size() >= options_.max_batch;
        };
        mu_.AwaitWithDeadline(absl::Condition(&full), oldest_ + options_.schedule_delay);
      }
      final = stopping_;
      if (queue_.empty()) {
        if (final) return;
        continue;
      }
      const size_t n = std::min(queue_.size(), options_.max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (!queue_.empty()) oldest_ = absl::Now();  // the rest waits one more delay at most
    }
    Export(std::move(batch), final);
  }
}

void BatchExporter::Export(std::vector<SpanData> batch, bool final) {
  const std::string body = EncodeOtlpJson(resource_, batch);
  const uint64_t n = batch.size();
  batch.clear();
  const int attempts = final ? 1 : std::max(1, options_.max_attempts);
  ExportOutcome outcome;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), BackoffDelay(attempt - 1, options_))) {
        break;  // stopping: no more retries
      }
    }
    outcome = transport_->Send(body);
    (outcome.ok() ? metrics_.requests_ok : metrics_.requests_failed)->Increment();
    if (outcome.kind != ExportOutcome::Kind::kRetryable) break;
  }
  if (outcome.ok()) {
    metrics_.exported->Increment(n);
    return;
  }
  const bool rejected = outcome.kind == ExportOutcome::Kind::kRejected;
  (rejected ? metrics_.dropped_rejected : metrics_.dropped_failed)->Increment(n);
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (now - last_warning_ >= kWarningPeriod) {  // a dead receiver would flood the log
    last_warning_ = now;
    spdlog::warn("tracing: dropped {} spans: {}", n, outcome.message);
  }
}

void BatchExporter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace sluice::trace
