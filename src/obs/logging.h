// Logging setup: installs spdlog's default logger with a level and one of two line formats.
//
//   text: 2024-05-01T12:00:00.123Z [info] message
//   json: {"time":"2024-05-01T12:00:00.123Z","level":"info","msg":"message"}
//
// With an instance name (--instance-id) every line carries it: `[info] [node-1] message`, and
// `"instance":"node-1"` before "msg".
//
// When tracing knows the trace of the work on the logging thread, the line carries its id:
// `[info] [node-1] [trace_id=4bf9...] message`, `"trace_id":"4bf9...",` before "msg".
//
// JSON lines are one object per line; the message is JSON-escaped (quote, backslash and
// control characters; other bytes are passed through, so UTF-8 stays UTF-8). Times are UTC
// with millisecond precision. Code logs through spdlog as usual (spdlog::info(...)).
//
// Thread safety: call ConfigureLogging at startup, before other threads log (spdlog's
// default-logger swap is itself safe, but lines logged during the swap may use either
// logger). Logging afterwards is thread-safe (the sinks are the _mt kind).
// Invariants: a rejected call changes nothing.
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spdlog/common.h"
#include "spdlog/formatter.h"

namespace sluice::obs {

enum class LogFormat { kText, kJson };

// Writes the 32 lowercase hex digits of the current thread's trace id into `out` and returns
// true, or returns false when there is none. Must not log.
using LogTraceIdSource = bool (*)(char* out);
// Installs the source log lines take trace ids from (tracing does, at startup); null: none.
void SetLogTraceIdSource(LogTraceIdSource source);

// Case-insensitive: trace, debug, info, warn (or warning), error, critical (or Gubernator's
// fatal, panic), off. Anything else: InvalidArgument naming the allowed values.
absl::StatusOr<spdlog::level::level_enum> ParseLogLevel(std::string_view level);

// "text" or "json" (case-insensitive). Anything else: InvalidArgument naming both.
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view format);

// A formatter producing the lines shown above; `instance` "" shows none.
std::unique_ptr<spdlog::formatter> MakeLogFormatter(LogFormat format,
                                                    std::string_view instance = "");

// Makes a logger named "sluice" writing to stderr the process's default logger.
absl::Status ConfigureLogging(std::string_view level, std::string_view format,
                              std::string_view instance = "");
// The same, writing to `sink` instead (tests, files).
absl::Status ConfigureLogging(std::string_view level, std::string_view format,
                              spdlog::sink_ptr sink, std::string_view instance = "");

}  // namespace sluice::obs
