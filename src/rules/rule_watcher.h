// RuleWatcher: reloads a RuleStore when its rules file or directory changes on disk.
//
// A background thread watches, with inotify:
//   * the rules path itself (a file's inode, or a directory's entries; a symlinked path is
//     followed);
//   * the directory containing the rules path, so replacing the file by rename, or re-pointing a
//     symlinked path, is noticed;
//   * the real directory of every rule file after symlinks are resolved, so an in-place edit of a
//     file behind a symlink is noticed too.
// A Kubernetes ConfigMap update (new `..2026_…` directory, then `..data` atomically re-pointed by
// renaming a new symlink over it) shows up as events in the watched directory. Events are
// debounced: the watcher waits until no event has arrived for `debounce` (at most ~20 periods
// in a continuous storm), then re-arms its watches (targets move with symlink swaps), and calls
// RuleStore::Reload() only if the files' identity (list, inode, size, mtime, ctime) changed since
// the last reload it triggered, so unrelated churn in a parent directory costs only a stat.
//
// Ordering: start the watcher BEFORE the store's first Reload(); a change between the two then
// causes one extra reload instead of being missed.
//
// Thread safety: Stop() (and the destructor) may be called from any thread except the watcher's
// own; Stop() is idempotent and returns after the thread has exited. `store` must outlive the
// watcher. Reload() runs on the watcher thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rules/rule_store.h"

namespace sluice::rules {

class RuleWatcher {
 public:
  struct Options {
    // Quiet period after the last file-system event before reloading. Default: 100 ms.
    std::chrono::milliseconds debounce{100};
  };

  // Arms the watches on store->path() and starts the thread. Fails if inotify is unavailable or
  // neither the path nor its directory can be watched.
  static absl::StatusOr<std::unique_ptr<RuleWatcher>> Start(RuleStore* store, Options options);
  static absl::StatusOr<std::unique_ptr<RuleWatcher>> Start(RuleStore* store) {
    return Start(store, Options());
  }

  ~RuleWatcher();
  RuleWatcher(const RuleWatcher&) = delete;
  RuleWatcher& operator=(const RuleWatcher&) = delete;

  // Wakes the thread and joins it. Idempotent.
  void Stop();

  // Reloads this watcher has asked the store for (successful or not).
  uint64_t triggered_reloads() const { return triggered_.load(std::memory_order_relaxed); }

 private:
  RuleWatcher(RuleStore* store, Options options, int inotify_fd, int wake_fd);

  void Run();
  // Waits for the quiet period after an event. False if Stop() was requested.
  bool Debounce();
  // Reads and discards every queued inotify event.
  void Drain();
  // Points the watches at the current targets; returns how many are active.
  size_t Rearm();
  // Identity of the rule files as they are now on disk.
  std::string Fingerprint() const;

  RuleStore* const store_;
  const Options options_;
  const int inotify_fd_;
  const int wake_fd_;
  // Watch descriptors currently armed. Touched by Start() before the thread exists, then only by
  // the watcher thread.
  std::vector<int> watches_;
  std::string last_fingerprint_;  // watcher thread only (after Start)
  std::atomic<uint64_t> triggered_{0};

  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace sluice::rules
