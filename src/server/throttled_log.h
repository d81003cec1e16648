// ThrottledLog: a warning that may fire thousands of times a second (a failing accept loop)
// logged at most once per interval, with how many times it happened since the last line.
//
// Thread safety: Warn may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace sluice::server {

class ThrottledLog {
 public:
  explicit ThrottledLog(std::chrono::seconds interval) : interval_(interval) {}

  // Logs `line` at warn level now if the interval since the last line is over, else counts it.
  void Warn(const std::string& line);

 private:
  const std::chrono::seconds interval_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_;  // epoch: nothing logged yet
  uint64_t suppressed_ = 0;                     // calls since the last line
};

}  // namespace sluice::server
