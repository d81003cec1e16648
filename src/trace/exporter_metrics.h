// ExporterMetrics: what the OTLP span exporter (trace/batch_exporter.h) counts — spans exported
// or dropped by reason, and export requests by result — registered on the Registry that
// /metrics renders (docs/operations.md "Tracing"). The exporter counts here and nowhere else.
//
// Thread safety: after construction every method may be called from any thread concurrently;
// recording takes no lock. The Registry must outlive this object.
#pragma once

#include "obs/counter.h"
#include "obs/registry.h"

namespace sluice::trace {

struct ExporterMetrics {
  explicit ExporterMetrics(obs::Registry& registry);

  obs::Counter* exported;            // sluice_trace_spans_exported_total
  obs::Counter* dropped_queue_full;  // sluice_trace_spans_dropped_total{reason="queue_full"}
  obs::Counter* dropped_failed;      // sluice_trace_spans_dropped_total{reason="export_failed"}
  obs::Counter* dropped_rejected;    // sluice_trace_spans_dropped_total{reason="rejected"}
  obs::Counter* requests_ok;         // sluice_trace_export_requests_total{result="success"}
  obs::Counter* requests_failed;     // sluice_trace_export_requests_total{result="failure"}
};

}  // namespace sluice::trace
