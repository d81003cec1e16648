#include "trace/otlp_json.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/json_string.h"

namespace sluice::trace {
namespace {

// Every span Sluice makes comes from this instrumentation scope.
constexpr char kScopeName[] = "sluice";

void AppendValue(const AttributeValue& value, std::string* out) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    out->append(R"({"stringValue":)");
    common::AppendJsonString(*s, out);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    absl::StrAppend(out, R"({"intValue":")", *i, "\"");
  } else if (const auto* b = std::get_if<bool>(&value)) {
    absl::StrAppend(out, R"({"boolValue":)", *b ? "true" : "false");
  } else {
    const double d = std::get<double>(value);
    if (std::isfinite(d)) {
      absl::StrAppend(out, R"({"doubleValue":)", d);
    } else {  // JSON has no NaN or infinity; protobuf's JSON mapping spells them as strings
      absl::StrAppend(out, R"({"doubleValue":")",
                      std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"), "\"");
    }
  }
  out->push_back('}');
}

void AppendAttributes(const std::vector<Attribute>& attributes, std::string* out) {
  out->append(R"("attributes":[)");
  for (size_t i = 0; i < attributes.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(R"({"key":)");
    common::AppendJsonString(attributes[i].key, out);
    out->append(R"(,"value":)");
    AppendValue(attributes[i].value, out);
    out->push_back('}');
  }
  out->push_back(']');
}

bool IsRoot(const SpanId& parent) {
  for (uint8_t b : parent) {
    if (b != 0) return false;
  }
  return true;
}

void AppendSpan(const SpanData& span, std::string* out) {
  absl::StrAppend(out, R"({"traceId":")", ToHex(span.trace_id), R"(","spanId":")",
                  ToHex(span.span_id), "\"");
  if (!IsRoot(span.parent_span_id)) {
    absl::StrAppend(out, R"(,"parentSpanId":")", ToHex(span.parent_span_id), "\"");
  }
  if (!span.tracestate.empty()) {
    out->append(R"(,"traceState":)");
    common::AppendJsonString(span.tracestate, out);
  }
  out->append(R"(,"name":)");
  common::AppendJsonString(span.name, out);
  absl::StrAppend(out, R"(,"kind":)", static_cast<int>(span.kind), R"(,"startTimeUnixNano":")",
                  span.start_ns, R"(","endTimeUnixNano":")", span.end_ns, "\",");
  AppendAttributes(span.attributes, out);
  if (span.error) {
    out->append(R"(,"status":{"code":2,"message":)");  // STATUS_CODE_ERROR
    common::AppendJsonString(span.status_message, out);
    out->push_back('}');
  }
  out->push_back('}');
}

}  // namespace

std::string EncodeOtlpJson(const std::vector<Attribute>& resource,
                           const std::vector<SpanData>& spans) {
  std::string out = R"({"resourceSpans":[{"resource":{)";
  AppendAttributes(resource, &out);
  absl::StrAppend(&out, R"(},"scopeSpans":[{"scope":{"name":")", kScopeName, R"("},"spans":[)");
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendSpan(spans[i], &out);
  }
  out.append("]}]}]}");
  return out;
}

}  // namespace sluice::trace
