// BatchExporter: the SpanSink that queues ended spans and sends them in batches from a thread of
// its own — the only tracing code that does I/O. Request threads only ever try to push: when the
// queue is full the span is dropped and counted, so a slow or dead receiver never slows or fails
// a rate-limit decision, and memory stays bounded (the queue plus the one batch being sent).
//
// The export thread sends a batch when `max_batch` spans are queued or `schedule_delay` after the
// oldest queued span; a retryable failure (connection, timeout, 429/502/503/504) is retried up to
// `max_attempts` times with exponential backoff (`initial_backoff` doubling up to `max_backoff`,
// see BackoffDelay); a batch that still fails, or that the receiver rejects, is dropped and
// counted. Stop() sends what is queued once (no retries) and ends the thread.
//
// Metrics: counted once, in its ExporterMetrics (trace/exporter_metrics.h):
// sluice_trace_spans_exported_total, sluice_trace_spans_dropped_total{reason} with reason
// queue_full | export_failed | rejected, sluice_trace_export_requests_total{result}.
//
// Thread safety: Submit from any thread; Stop from one thread (the destructor Stops).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "obs/registry.h"
#include "trace/export_transport.h"
#include "trace/exporter_metrics.h"
#include "trace/span.h"

namespace sluice::trace {

struct ExporterOptions {
  // Spans held while waiting to be sent; more are dropped (OTEL_BSP_MAX_QUEUE_SIZE). Default: 2048.
  size_t max_queue = 2048;
  // Spans in one export request (OTEL_BSP_MAX_EXPORT_BATCH_SIZE). Default: 512.
  size_t max_batch = 512;
  // Longest a span waits for a batch to fill (OTEL_BSP_SCHEDULE_DELAY). Default: 1 s.
  absl::Duration schedule_delay = absl::Seconds(1);
  // Sends of one batch before it is dropped. Default: 5.
  int max_attempts = 5;
  // Wait before the first retry; doubles per retry up to max_backoff. Default: 100 ms, 5 s.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
};

// The wait before retry number `retry` (1 = the first retry): initial * 2^(retry-1), capped.
absl::Duration BackoffDelay(int retry, const ExporterOptions& options);

class BatchExporter final : public SpanSink {
 public:
  // `resource`: the resource attributes sent with every batch (service.name, ...). `registry`
  // (must outlive the exporter) gets its ExporterMetrics; when null, they go on a registry of the
  // exporter's own. Starts the export thread.
  BatchExporter(std::vector<Attribute> resource, std::unique_ptr<ExportTransport> transport,
                ExporterOptions options, obs::Registry* registry = nullptr);
  ~BatchExporter() override;

  // Queues `span`, or drops it when the queue is full. Never blocks on I/O.
  void Submit(SpanData span) override;

  // Sends what is queued (one attempt) and stops the thread; later spans are dropped as
  // queue_full. Idempotent.
  void Stop();

 private:
  void Loop();
  // Sends one batch with retries; returns when it was sent or dropped, or on Stop.
  void Export(std::vector<SpanData> batch, bool final);

  const std::vector<Attribute> resource_;
  const std::unique_ptr<ExportTransport> transport_;
  const ExporterOptions options_;

  mutable absl::Mutex mu_;
  std::deque<SpanData> queue_ ABSL_GUARDED_BY(mu_);
  absl::Time oldest_ ABSL_GUARDED_BY(mu_);  // when the oldest queued span arrived
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_warning_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();

  const std::unique_ptr<obs::Registry> own_registry_;  // null when the caller passed one
  const ExporterMetrics metrics_;

  std::thread thread_;
};

}  // namespace sluice::trace
