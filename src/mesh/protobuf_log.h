// Throttled libprotobuf logging. libprotobuf logs an ERROR line for every malformed message it
// parses (a string field with invalid UTF-8: "String field '...' contains invalid UTF-8 data"),
// so a flood of bad datagrams would become a flood of log lines. InstallProtobufLogThrottle
// routes libprotobuf's log through spdlog, at most LogThrottle::kLines lines per kPeriodMs,
// and the next line admitted says how many were withheld.
//
// Thread safety: LogThrottle is not thread-safe (the handler locks around it);
// InstallProtobufLogThrottle may be called from any thread, any number of times.
#pragma once

#include <cstdint>

namespace sluice::mesh {

// The rate limit on log lines, on an injected clock (ms).
class LogThrottle {
 public:
  static constexpr int64_t kPeriodMs = 10'000;
  static constexpr int kLines = 5;

  // Whether a line at `now` may be logged. When it may, `withheld` is set to the number of lines
  // refused since the last one logged.
  bool Admit(int64_t now, uint64_t& withheld);

 private:
  int64_t period_start_ = 0;
  int lines_ = 0;
  uint64_t withheld_ = 0;
  bool started_ = false;
};

// Process-wide: replaces libprotobuf's log handler (which writes every line to stderr).
void InstallProtobufLogThrottle();

}  // namespace sluice::mesh
