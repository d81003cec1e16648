#include "server/reload_log.h"

namespace sluice::server {

void ReloadLog::Record(const absl::Status& result, int64_t now) {
  absl::MutexLock lock(&mu_);
  entries_.push_back(
      ReloadEntry{.at_ms = now, .ok = result.ok(), .error = std::string(result.message())});
  while (entries_.size() > capacity_) entries_.pop_front();
}

std::vector<ReloadEntry> ReloadLog::Recent() const {
  absl::MutexLock lock(&mu_);
  return std::vector<ReloadEntry>(entries_.rbegin(), entries_.rend());
}

}  // namespace sluice::server
