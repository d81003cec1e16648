#include "mesh/protobuf_log.h"

#include <google/protobuf/stubs/logging.h>

#include <chrono>
#include <mutex>
#include <string>

#include "spdlog/spdlog.h"

namespace sluice::mesh {
namespace {

std::mutex& ThrottleMutex() {
  static std::mutex mu;
  return mu;
}

LogThrottle& Throttle() {
  static LogThrottle throttle;
  return throttle;
}

spdlog::level::level_enum LevelOf(google::protobuf::LogLevel level) {
  switch (level) {
    case google::protobuf::LOGLEVEL_INFO:
      return spdlog::level::info;
    case google::protobuf::LOGLEVEL_WARNING:
      return spdlog::level::warn;
    case google::protobuf::LOGLEVEL_ERROR:
      return spdlog::level::err;
    case google::protobuf::LOGLEVEL_FATAL:
      return spdlog::level::critical;
  }
  return spdlog::level::err;
}

void Handle(google::protobuf::LogLevel level, const char* file, int line,
            const std::string& message) {
  uint64_t withheld = 0;
  if (level != google::protobuf::LOGLEVEL_FATAL) {  // a fatal line always goes out
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    std::lock_guard<std::mutex> lock(ThrottleMutex());
    if (!Throttle().Admit(now, withheld)) return;
  }
  if (withheld > 0) {
    spdlog::log(LevelOf(level), "libprotobuf {}:{}: {} ({} more lines withheld in the last {} s)",
                file, line, message, withheld, LogThrottle::kPeriodMs / 1000);
  } else {
    spdlog::log(LevelOf(level), "libprotobuf {}:{}: {}", file, line, message);
  }
}

}  // namespace

bool LogThrottle::Admit(int64_t now, uint64_t& withheld) {
  if (!started_ || now - period_start_ >= kPeriodMs) {
    started_ = true;
    period_start_ = now;
    lines_ = 0;
  }
  if (lines_ >= kLines) {
    ++withheld_;
    return false;
  }
  ++lines_;
  withheld = withheld_;
  withheld_ = 0;
  return true;
}

void InstallProtobufLogThrottle() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&Handle); });
}

}  // namespace sluice::mesh
