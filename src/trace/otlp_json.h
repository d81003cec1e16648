// OtlpJson: the body of an OTLP/HTTP trace export in OTLP's JSON encoding
// (ExportTraceServiceRequest; opentelemetry-proto's "JSON Protobuf Encoding"): ids as lowercase
// hex, enums as numbers, 64-bit integers as decimal strings. JSON rather than protobuf because the
// OTLP .proto files are not in Debian 12 and the JSON mapping needs none; every OTLP/HTTP
// receiver accepts it (Content-Type: application/json).
//
// Thread safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "trace/span.h"

namespace sluice::trace {

// Resource attributes (service.name, service.instance.id, ...) and the spans of one export.
std::string EncodeOtlpJson(const std::vector<Attribute>& resource,
                           const std::vector<SpanData>& spans);

}  // namespace sluice::trace
