// Value conversions for settings given outside the command line (environment variables and the
// settings file): booleans in Go's and YAML's spellings, Go durations rendered in the unit a flag
// takes, Hivemind's bare port, Gubernator's log levels and discovery names. Each conversion turns
// the raw text of one setting into the arguments to pass to one CLI11 option; the option's own
// validators then check those (settings_parser.h).
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace CLI {
class Option;
}  // namespace CLI

namespace sluice::server {

// How the raw text of a setting becomes the value of its flag.
enum class ValueKind {
  kPlain,          // as given (a flag takes true/false; a list is joined with commas)
  kBool,           // a boolean (ParseBool) → "true"/"false"
  kInvertedBool,   // a boolean, negated: `rules.watch: false` → --no-rules-watch=true
  kGoDuration,     // Go duration ("500us", "100ms", "5s") → the flag's unit
  kMilliseconds,   // whole milliseconds → the flag's unit
  kSeconds,        // whole seconds → the flag's unit
  kPort,           // a port → "<host of the flag's default>:<port>"
  kListenAddress,  // Go listen address: ":1051" → "0.0.0.0:1051"; other text unchanged
  kLogLevel,       // logrus level: "warning" → warn, "fatal"/"panic" → error, lower-cased
  kDebug,          // boolean: true → "debug" (a log level), false → not set
  kDiscovery,      // Gubernator discovery: none → static, member-list → mesh, dns, etcd
};

// A short description of a kind for the docs ("" for kPlain).
std::string_view DescribeKind(ValueKind kind);

// 1/0, t/f, true/false, yes/no, on/off, any case (Go's strconv.ParseBool is a subset).
absl::StatusOr<bool> ParseBool(std::string_view text);

// Go's time.ParseDuration syntax: a sequence of decimal numbers with units ns, us (or µs), ms, s,
// m, h, optionally signed; "0" alone needs no unit. Negative durations are rejected.
absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text);

// The unit a flag takes a duration in, from its name's suffix: -us, -ms, -sec/-seconds/-s;
// otherwise kText ("500us", absl::ParseDuration syntax). ConvertValue refines kText: a numeric
// option without a suffix takes the source's unit (seconds for kSeconds, else milliseconds).
enum class DurationUnit { kText, kMicroseconds, kMilliseconds, kSeconds };
DurationUnit DurationUnitOfFlag(std::string_view flag);

// `duration` in `unit`: whole units rounded to nearest, but at least 1 for a non-zero duration.
// `*rounded` (if given) is set when the result is not exact.
std::string RenderDuration(absl::Duration duration, DurationUnit unit, bool* rounded = nullptr);

// Converts `raw` (one scalar, or the items of a list) for `option` given as `flag` (its long
// name with dashes). Returns the arguments for the flag, or nullopt when the value means "not
// set" (kDebug false, an empty value). An error message states the problem and the allowed
// values; the caller prefixes the setting and source. Notes worth a warning (rounding, an
// unsupported discovery type) are appended to `warnings`.
absl::StatusOr<std::optional<std::vector<std::string>>> ConvertValue(
    ValueKind kind, const std::vector<std::string>& raw, const CLI::Option& option,
    std::string_view flag, std::vector<std::string>* warnings);

}  // namespace sluice::server
