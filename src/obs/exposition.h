// Pieces of the Prometheus text exposition format, version 0.0.4: name validation, escaping
// and number formatting. Registry::Render() assembles them; nothing here keeps state.
//
// Format reference: https://prometheus.io/docs/instrumenting/exposition_formats/
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram|summary
//   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
//
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::obs {

// The Content-Type a /metrics handler must send with Registry::Render()'s output.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved by Prometheus).
bool IsValidLabelName(std::string_view name);

// Appends `value` escaped for use inside a quoted label value: \ → \\, " → \", newline → \n.
void AppendEscapedLabelValue(std::string& out, std::string_view value);
// Appends `help` escaped for a # HELP line: \ → \\, newline → \n.
void AppendEscapedHelp(std::string& out, std::string_view help);

// Appends a sample value: shortest text that reads back as the same double, or +Inf, -Inf, NaN.
void AppendValue(std::string& out, double value);
// Appends an integer sample value exactly.
void AppendValue(std::string& out, uint64_t value);

}  // namespace sluice::obs
