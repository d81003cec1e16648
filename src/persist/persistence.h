// Persistence: the server's use of a Loader and a Store (docs/persistence.md), from its options.
//
// - --snapshot PATH: Restore() loads the file into the limiter at start (expired items dropped;
//   a bad file stops start-up unless --snapshot-ignore-errors), Start() saves it every
//   --snapshot-interval on a thread of its own, Stop() saves it a last time.
// - --store-dir DIR: a RocksStore the limiter is built with (store()); opened by Open(), which
//   fails when the directory cannot hold a database.
// Every outcome is counted; BindMetrics() exposes the counts as sluice_snapshot_* and
// sluice_store_dir_* (docs/operations.md).
//
// Thread safety: Open, Restore, Start and Stop from one thread (start-up and shutdown).
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "obs/registry.h"
#include "persist/persistence_options.h"
#include "persist/rocks_store.h"
#include "persist/snapshot_file.h"

namespace sluice::persist {

class Persistence {
 public:
  static absl::StatusOr<std::unique_ptr<Persistence>> Open(const PersistenceOptions& options);
  ~Persistence();

  // The write-through store for the limiter; nullptr without --store-dir.
  sluice::Store* store() { return rocks_.get(); }

  // Loads the snapshot into `limiter`; OK without --snapshot. Logs what was loaded.
  absl::Status Restore(core::Limiter& limiter, const core::Clock& clock);

  // Saves every --snapshot-interval until Stop(); nothing without --snapshot or interval 0.
  void Start(core::Limiter& limiter, const core::Clock& clock);

  // Stops the periodic saves and, after Start(), writes the last snapshot; logs a failure.
  // Idempotent. Destroying a Persistence without Stop() writes nothing.
  void Stop();

  void BindMetrics(obs::Registry& registry, const core::Limiter& limiter);

 private:
  explicit Persistence(PersistenceOptions options) : options_(std::move(options)) {}
  void SaveNow();
  void StopSaver();

  const PersistenceOptions options_;
  std::unique_ptr<SnapshotFile> snapshot_;
  std::unique_ptr<RocksStore> rocks_;
  core::Limiter* limiter_ = nullptr;
  const core::Clock* clock_ = nullptr;
  absl::Mutex save_mu_;  // one Save() at a time: the periodic thread and Stop()
  absl::Notification stop_;
  std::thread saver_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace sluice::persist
