// ReloadLog: the last few rule reloads — when, whether they were installed, and the error (with
// file and line) of those that were not — for the status page. Bounded: the oldest entry goes
// when a new one arrives past `capacity`.
//
// Thread safety: Record() and Recent() from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace sluice::server {

struct ReloadEntry {
  int64_t at_ms = 0;  // epoch ms
  bool ok = true;
  std::string error;  // "" when ok

  bool operator==(const ReloadEntry&) const = default;
};

class ReloadLog {
 public:
  // Default: the last 10 reloads.
  explicit ReloadLog(size_t capacity = 10) : capacity_(capacity) {}

  void Record(const absl::Status& result, int64_t now);
  // Newest first.
  std::vector<ReloadEntry> Recent() const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<ReloadEntry> entries_ ABSL_GUARDED_BY(mu_);  // oldest first
};

}  // namespace sluice::server
