// RuleStore: holds the current RuleSet snapshot for one rules path and replaces it on Reload().
//
// Readers call Current() on the request path: it copies a shared_ptr out of an atomic and never
// waits for a reload, because the new snapshot is parsed and validated completely before the
// pointer is swapped. A reader keeps the snapshot it got alive for as long as it holds it.
// A failed reload changes nothing but the counters: the old snapshot stays, the error (with file
// and line) is logged through spdlog, and reload_failures() goes up.
//
// Thread safety: every method may be called from any thread. Reloads are serialized by an
// internal mutex (the watcher thread and a SIGHUP handler thread may both call Reload()).
// Invariant: Current() is never null; it is RuleSet::Empty() until the first successful load.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rules/rule_set.h"

namespace sluice::rules {

class RuleStore {
 public:
  // Does not load anything; call Reload() for the first load.
  explicit RuleStore(std::string path);

  RuleStore(const RuleStore&) = delete;
  RuleStore& operator=(const RuleStore&) = delete;

  // The rules file or directory this store loads (as given).
  const std::string& path() const { return path_; }

  // The current snapshot. Never null; never blocks on a reload in progress.
  std::shared_ptr<const RuleSet> Current() const;

  // Re-reads every rule file under path() and swaps the new snapshot in only if all of it is
  // valid. Returns the load error otherwise (also logged and counted). Blocks the caller for the
  // duration of the parse; readers are unaffected.
  absl::Status Reload();

  // Successful loads so far, the first one included. Read by the metrics module.
  uint64_t reload_successes() const { return successes_.load(std::memory_order_relaxed); }
  // Failed loads so far. Read by the metrics module.
  uint64_t reload_failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  const std::string path_;
  absl::Mutex reload_mu_;  // serializes Reload(); readers never take it
  std::atomic<std::shared_ptr<const RuleSet>> current_;
  std::atomic<uint64_t> successes_{0};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace sluice::rules
