#include "trace/batch_exporter.h"

#include <algorithm>
#include <utility>

#include "spdlog/spdlog.h"
#include "trace/otlp_json.h"

namespace sluice::trace {
namespace {

constexpr char kDroppedName[] = "sluice_trace_spans_dropped_total";
constexpr char kDroppedHelp[] =
    "Spans not exported: queue_full (the export queue was full), export_failed (every retry "
    "failed), rejected (the receiver refused the batch).";

// A failing receiver is logged at most once per period.
constexpr absl::Duration kWarningPeriod = absl::Seconds(10);

void Add(obs::Counter* counter, uint64_t n) {
  if (counter && n > 0) counter->Increment(n);
}

}  // namespace

absl::Duration BackoffDelay(int retry, const ExporterOptions& options) {
  absl::Duration delay = options.initial_backoff;
  for (int i = 1; i < retry && delay < options.max_backoff; ++i) delay *= 2;
  return std::min(delay, options.max_backoff);
}

BatchExporter::BatchExporter(std::vector<Attribute> resource,
                             std::unique_ptr<ExportTransport> transport, ExporterOptions options,
                             obs::Registry* registry)
    : resource_(std::move(resource)), transport_(std::move(transport)), options_(options) {
  if (registry) {
    exported_ = registry->AddCounter("sluice_trace_spans_exported_total",
                                     "Spans the OTLP receiver accepted.");
    dropped_queue_full_ = registry->AddCounter(kDroppedName, kDroppedHelp, {{"reason", "queue_full"}});
    dropped_failed_ = registry->AddCounter(kDroppedName, kDroppedHelp, {{"reason", "export_failed"}});
    dropped_rejected_ = registry->AddCounter(kDroppedName, kDroppedHelp, {{"reason", "rejected"}});
    constexpr char kRequests[] = "sluice_trace_export_requests_total";
    constexpr char kRequestsHelp[] = "OTLP export requests sent, retries included, by result.";
    requests_ok_ = registry->AddCounter(kRequests, kRequestsHelp, {{"result", "success"}});
    requests_failed_ = registry->AddCounter(kRequests, kRequestsHelp, {{"result", "failure"}});
  }
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
    ++stats_.dropped_queue_full;
  }
  Add(dropped_queue_full_, 1);
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
    {
      absl::MutexLock lock(&mu_);
      ++stats_.export_requests;
    }
    Add(outcome.ok() ? requests_ok_ : requests_failed_, 1);
    if (outcome.kind != ExportOutcome::Kind::kRetryable) break;
  }
  absl::MutexLock lock(&mu_);
  if (outcome.ok()) {
    stats_.exported += n;
    Add(exported_, n);
    return;
  }
  const bool rejected = outcome.kind == ExportOutcome::Kind::kRejected;
  (rejected ? stats_.dropped_rejected : stats_.dropped_failed) += n;
  Add(rejected ? dropped_rejected_ : dropped_failed_, n);
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

ExporterStats BatchExporter::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace sluice::trace
