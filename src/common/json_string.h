// JSON strings: the one escaper every JSON Sluice writes by hand goes through (the Gubernator
// HTTP answers, JSON log lines, etcd registrations, /v1/mesh/stats), so all of them escape alike
// and as protobuf 3.21's JSON printer does (the answers must match protobuf's byte for byte):
// '"' and '\\' as JSON requires, '<' and '>' for HTML safety, control characters (\b \f \n \r \t
// or \u00XX), and the invisible or formatting code points protobuf escapes as \uXXXX. Other
// UTF-8 is copied as it is.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace sluice::common {

// Appends `s` escaped for the inside of a JSON string (no quotes). A byte that is not part of
// valid UTF-8 is written as \ufffd; the return value is false when there was one (protobuf's
// own output for such text differs, so byte-exact callers fall back to it).
bool AppendJsonEscaped(std::string_view s, std::string* out);

// The same between double quotes.
bool AppendJsonString(std::string_view s, std::string* out);

// `s` as a quoted JSON string.
std::string JsonString(std::string_view s);

}  // namespace sluice::common
