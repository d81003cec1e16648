// RocksStore: a sluice::Store on a local RocksDB database (--store-dir DIR).
//
// - Write-through: every change of a key whose window (StoredItemView::duration) is at least
//   min_duration_ms is Put before the decision's answer leaves the process; a shorter key never
//   touches disk (a per-second limit would cost a write per hit for nothing worth keeping).
//   With sync off (the default) a Put reaches RocksDB's write-ahead log in the kernel's page
//   cache: it survives kill -9 of the process, not a power loss. With sync on it is fsynced
//   first (survives a power loss; costs a disk flush per decision).
// - Read on a miss: Get() looks a long key up; short keys are answered "absent" at once.
// - Expiry: a compaction filter drops items whose expire_at has passed, so the database holds
//   about the live long keys.
// - Errors (a full disk, an I/O error, a read-only directory): counted and logged (the first,
//   then at most one line per 10 s), never returned; decisions go on from memory.
// - A full disk is kept from RocksDB: Debian's RocksDB 7.8 aborts the process on a write after a
//   failed write-ahead-log append (an assertion in its log writer). So the free space of the
//   directory's file system is checked every kSpaceCheckInterval on the writing thread, and
//   while it is under the reserve (kReserveBytes, or a quarter of a smaller file system) writes
//   are not attempted and each is counted as an error; they resume once space is back. A write
//   that fails anyway (the disk filled faster, an I/O error) stops the writes until a restart.
//   Reads go on in both cases.
//
// Value layout: expire_at (int64), duration (int64), then the state bytes, host byte order.
//
// Thread safety: as sluice::Store: any thread; RocksDB serializes its own writes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "sluice/persistence.h"

namespace rocksdb {
class DB;
}

namespace sluice::persist {

struct RocksStoreOptions {
  // The database directory; created when missing.
  std::string dir;
  // Keys whose window is shorter are neither written nor read. Default: 1 h.
  int64_t min_duration_ms = 3'600'000;
  // fsync every write (survives a power loss) instead of leaving it to the OS. Default: false.
  bool sync = false;
  // Epoch ms for the compaction filter's expiry check. Default: the system clock.
  std::function<int64_t()> now;
};

struct RocksStoreStats {
  uint64_t writes = 0;       // Puts and Deletes done
  uint64_t reads = 0;        // lookups done (long keys missing from memory)
  uint64_t read_hits = 0;    // lookups that found the key
  uint64_t errors = 0;       // failed writes and lookups
  uint64_t skipped = 0;      // changes of keys shorter than min_duration_ms, not written
};

class RocksStore final : public sluice::Store {
 public:
  // Opens (or creates) the database; fails naming the directory and RocksDB's reason.
  static absl::StatusOr<std::unique_ptr<RocksStore>> Open(RocksStoreOptions options);
  ~RocksStore() override;

  void OnChange(const StoredItemView& item) override;
  void OnRemove(std::string_view key) override;
  std::optional<StoredItem> Get(std::string_view key, int64_t duration) override;

  RocksStoreStats Stats() const;
  // Runs a full compaction now (tests: expired items are then gone).
  void CompactForTest();
  // Items the database holds, as RocksDB estimates them.
  uint64_t EstimatedItems() const;

 private:
  class ExpiryFilter;
  RocksStore(RocksStoreOptions options, std::unique_ptr<ExpiryFilter> filter,
             std::unique_ptr<rocksdb::DB> db);
  void Failed(std::string_view what, std::string_view key, const std::string& reason);
  // A Put or Delete failed: stops the writes for good, and says so once.
  void WriteFailed(std::string_view what, std::string_view key, const std::string& reason);
  // True (and the write counted as an error) while writes are held back: stopped after a failed
  // write, or the disk under its reserve (checked here when the interval has passed).
  bool WritesStopped(std::string_view what, std::string_view key);
  void CheckSpace(int64_t now);

  const RocksStoreOptions options_;
  std::unique_ptr<ExpiryFilter> filter_;  // outlives db_, which uses it
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> writes_{0}, reads_{0}, read_hits_{0}, errors_{0}, skipped_{0};
  std::atomic<int64_t> last_error_log_ms_{0};
  std::atomic<bool> writes_stopped_{false};  // set by the first failed write or delete
  std::atomic<bool> low_space_{false};       // the last space check found less than the reserve
  std::atomic<int64_t> next_space_check_ms_{0};
};

}  // namespace sluice::persist
