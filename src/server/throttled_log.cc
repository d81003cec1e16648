#include "server/throttled_log.h"

#include "spdlog/spdlog.h"

namespace sluice::server {

void ThrottledLog::Warn(const std::string& line) {
  uint64_t suppressed = 0;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < interval_) {
      ++suppressed_;
      return;
    }
    last_ = now;
    suppressed = suppressed_;
    suppressed_ = 0;
  }
  if (suppressed == 0) {
    spdlog::warn("{}", line);
  } else {
    spdlog::warn("{} ({} more like it in the last {} s)", line, suppressed, interval_.count());
  }
}

}  // namespace sluice::server
