// SnapshotFile: a sluice::Loader that keeps every key's state in one file (--snapshot PATH).
//
// Format (host byte order; docs/persistence.md): the magic "SLUICESN", a format version
// (uint32, kSnapshotFormat), then one record per item (key length uint32, key bytes, expire_at
// int64, duration int64, state length uint32, state bytes), then an end marker (uint32
// 0xFFFFFFFF), the item count (uint64) and a CRC-32 (uint32) of every byte before it.
//
// Save() is crash-safe: it writes PATH.tmp, fsyncs it, renames it over PATH and fsyncs the
// directory, so PATH is always the old snapshot or the new one, whole. Load() of a missing file
// is a first start (OK, nothing loaded); a file that is unreadable, not a snapshot, of another
// format version, truncated or failing its checksum is an error naming the path and the fault,
// and nothing is loaded (the whole file is checked before the first item is passed on).
//
// Thread safety: Load() and Save() from one thread at a time (sluice::Loader's contract);
// Stats() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "sluice/persistence.h"

namespace sluice::persist {

inline constexpr uint32_t kSnapshotFormat = 1;
inline constexpr char kSnapshotMagic[] = "SLUICESN";  // 8 bytes on disk, no terminator

struct SnapshotStats {
  uint64_t saves = 0;             // snapshots written whole
  uint64_t save_errors = 0;       // snapshots that failed (the previous file stays)
  uint64_t last_bytes = 0;        // size of the last snapshot written or loaded
  uint64_t last_items = 0;        // items in it
  double last_save_seconds = 0;   // how long the last Save() took
};

class SnapshotFile final : public sluice::Loader {
 public:
  explicit SnapshotFile(std::string path) : path_(std::move(path)) {}

  Status Load(const ItemSink& add) override;
  Status Save(const std::function<void(const ItemSink&)>& for_each) override;

  const std::string& path() const { return path_; }
  SnapshotStats Stats() const;

 private:
  const std::string path_;
  std::atomic<uint64_t> saves_{0};
  std::atomic<uint64_t> save_errors_{0};
  std::atomic<uint64_t> last_bytes_{0};
  std::atomic<uint64_t> last_items_{0};
  std::atomic<double> last_save_seconds_{0};
};

}  // namespace sluice::persist
