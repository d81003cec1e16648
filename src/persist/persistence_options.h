// PersistenceOptions: the settings of a node's snapshot file and write-through store
// (docs/persistence.md), apart from their implementation so the server's Config can hold them
// without RocksDB's or the limiter's headers. Plain values.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace sluice::persist {

struct PersistenceOptions {
  // Snapshot file loaded at start and written at graceful stop. Default: none.
  std::string snapshot_path;
  // Time between snapshots while running; 0: only at stop. Default: 1 min.
  absl::Duration snapshot_interval = absl::Minutes(1);
  // Start with an empty limiter when the snapshot cannot be loaded (logged). Default: false.
  bool snapshot_ignore_errors = false;
  // RocksDB directory of the write-through store. Default: none.
  std::string store_dir;
  // Keys with shorter windows are not stored. Default: 1 h.
  absl::Duration store_min_duration = absl::Hours(1);
  // fsync every store write (survives a power loss, not only a crash). Default: false.
  bool store_sync = false;
};

}  // namespace sluice::persist
