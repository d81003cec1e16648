#include "trace/exporter_metrics.h"

#include <string_view>

namespace sluice::trace {
namespace {

constexpr std::string_view kDropped = "sluice_trace_spans_dropped_total";
constexpr std::string_view kDroppedHelp =
    "Spans not exported: queue_full (the export queue was full), export_failed (every retry "
    "failed), rejected (the receiver refused the batch).";
constexpr std::string_view kRequests = "sluice_trace_export_requests_total";
constexpr std::string_view kRequestsHelp =
    "OTLP export requests sent, retries included, by result.";

}  // namespace

ExporterMetrics::ExporterMetrics(obs::Registry& r)
    : exported(
          r.AddCounter("sluice_trace_spans_exported_total", "Spans the OTLP receiver accepted.")),
      dropped_queue_full(r.AddCounter(kDropped, kDroppedHelp, {{"reason", "queue_full"}})),
      dropped_failed(r.AddCounter(kDropped, kDroppedHelp, {{"reason", "export_failed"}})),
      dropped_rejected(r.AddCounter(kDropped, kDroppedHelp, {{"reason", "rejected"}})),
      requests_ok(r.AddCounter(kRequests, kRequestsHelp, {{"result", "success"}})),
      requests_failed(r.AddCounter(kRequests, kRequestsHelp, {{"result", "failure"}})) {}

}  // namespace sluice::trace
