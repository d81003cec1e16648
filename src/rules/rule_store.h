// RuleStore: holds the current RuleSet snapshot for one rules path and replaces it on Reload().
//
// Readers never wait for a reload, because the new snapshot is parsed and validated completely
// before the pointer is swapped. Current() copies a shared_ptr out of an atomic, and its holder
// keeps that snapshot alive. The request path uses Pinned() instead: it touches no shared
// reference count (one cache line written by every request thread), because each thread keeps
// its own reference to the snapshot it last saw and replaces it only after a reload.
// A failed reload changes nothing but the counters: the old snapshot stays, the error (with file
// and line) is logged through spdlog, and the failure is counted. Every finished load is counted
// once, in the store's RulesMetrics (sluice_rules_reloads_total, on the registry the caller
// passes: /metrics in the server), and also reported to the optional `on_reload` observer.
//
// Thread safety: every method may be called from any thread. Reloads are serialized by an
// internal mutex (the watcher thread and a SIGHUP handler thread may both call Reload()).
// Invariant: Current() is never null; it is RuleSet::Empty() until the first successful load
// or Replace().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "obs/registry.h"
#include "rules/rule_set.h"
#include "rules/rules_metrics.h"

namespace sluice::rules {

class RuleStore {
 public:
  // Called after each load with its outcome (OK: installed; else the error, with file and
  // line), under the reload mutex: it must not call back into the store.
  using ReloadObserver = std::function<void(const absl::Status& result)>;

  // Does not load anything; call Reload() for the first load. An empty path makes a store whose
  // rules come only from Replace() (rules built in code by a library user, tests). The reload
  // counters are registered on `registry` (must outlive the store), or on a registry of the
  // store's own when it is null.
  explicit RuleStore(std::string path, ReloadObserver on_reload = nullptr,
                     obs::Registry* registry = nullptr);

  RuleStore(const RuleStore&) = delete;
  RuleStore& operator=(const RuleStore&) = delete;

  // The rules file or directory this store loads (as given).
  const std::string& path() const { return path_; }

  // The current snapshot. Never null; never blocks on a reload in progress.
  std::shared_ptr<const RuleSet> Current() const;

  // The current snapshot through the calling thread's own reference. Valid until this thread
  // calls Pinned() again, on any store; to keep a snapshot past that (a callback that may run
  // later or elsewhere), use Current(). An idle thread holds the last snapshot it saw until its
  // next call or its exit.
  const RuleSet& Pinned() const;

  // Installs `rules` as the current snapshot, as a successful Reload() would (counted as one).
  void Replace(std::shared_ptr<const RuleSet> rules);

  // Re-reads every rule file under path() and swaps the new snapshot in only if all of it is
  // valid. Returns the load error otherwise (also logged and counted). Blocks the caller for the
  // duration of the parse; readers are unaffected.
  absl::Status Reload();

  // Successful loads so far, the first one included (sluice_rules_reloads_total{result="success"}).
  uint64_t reload_successes() const { return metrics_.reloads_success->Read().integer; }
  // Failed loads so far (sluice_rules_reloads_total{result="failure"}).
  uint64_t reload_failures() const { return metrics_.reloads_failure->Read().integer; }

 private:
  // Publishes `rules`, then its generation. Caller holds reload_mu_, so the pair of stores of
  // one swap never interleaves with another's.
  void Install(std::shared_ptr<const RuleSet> rules) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);

  const std::string path_;
  const ReloadObserver on_reload_;
  absl::Mutex reload_mu_;  // serializes Reload() and Replace(); readers never take it
  std::atomic<std::shared_ptr<const RuleSet>> current_;
  // Names the snapshot in current_; unique across every store in the process, so a thread's
  // pinned reference is never mistaken for another store's (see Pinned()).
  std::atomic<uint64_t> generation_;
  const std::unique_ptr<obs::Registry> own_registry_;  // null when the caller passed one
  const RulesMetrics metrics_;
};

}  // namespace sluice::rules
