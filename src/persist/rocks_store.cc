#include "persist/rocks_store.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace sluice::persist {
namespace {

constexpr size_t kValueHeaderBytes = 2 * sizeof(int64_t);
constexpr int64_t kErrorLogIntervalMs = 10'000;
// The free space a write needs on the store's file system: RocksDB's next write-ahead log and
// memtable flush fit in it with room to spare. A quarter of a smaller file system.
constexpr uint64_t kReserveBytes = 64ull << 20;
constexpr int64_t kSpaceCheckIntervalMs = 250;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ExpireAt(const rocksdb::Slice& value) {
  int64_t expire_at = 0;
  if (value.size() >= sizeof(expire_at)) std::memcpy(&expire_at, value.data(), sizeof(expire_at));
  return expire_at;
}

rocksdb::Slice AsSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

// Drops items whose expire_at has passed when RocksDB compacts their files.
class RocksStore::ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryFilter(std::function<int64_t()> now) : now_(std::move(now)) {}
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    return ExpireAt(value) < now_();
  }
  const char* Name() const override { return "sluice.ExpiryFilter"; }

 private:
  std::function<int64_t()> now_;
};

absl::StatusOr<std::unique_ptr<RocksStore>> RocksStore::Open(RocksStoreOptions options) {
  if (!options.now) options.now = SystemNowMs;
  auto filter = std::make_unique<ExpiryFilter>(options.now);
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.compaction_filter = filter.get();
  // A small footprint: the store holds about the live long keys, a few MB for a million.
  db_options.OptimizeForSmallDb();
  db_options.compaction_filter = filter.get();  // OptimizeForSmallDb keeps it; set it last anyway
  // Close() leaves the memtable in the write-ahead log, replayed at the next open: no flush at
  // stop, which on a full disk would make RocksDB abort the process (see the header).
  db_options.avoid_flush_during_shutdown = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.dir, &raw);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("--store-dir '", options.dir, "': cannot open the store: ", s.ToString()));
  }
  return std::unique_ptr<RocksStore>(
      new RocksStore(std::move(options), std::move(filter), std::unique_ptr<rocksdb::DB>(raw)));
}

RocksStore::RocksStore(RocksStoreOptions options, std::unique_ptr<ExpiryFilter> filter,
                       std::unique_ptr<rocksdb::DB> db)
    : options_(std::move(options)), filter_(std::move(filter)), db_(std::move(db)) {}

RocksStore::~RocksStore() {
  if (db_) db_->Close().PermitUncheckedError();
  db_.reset();
}

void RocksStore::Failed(std::string_view what, std::string_view key, const std::string& reason) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = SystemNowMs();
  int64_t last = last_error_log_ms_.load(std::memory_order_relaxed);
  if (last != 0 && now - last < kErrorLogIntervalMs) return;
  if (!last_error_log_ms_.compare_exchange_strong(last, now)) return;  // another thread logs
  spdlog::error(
      "store '{}': {} of key '{}' failed: {}; decisions go on from memory ({} store errors so "
      "far)",
      options_.dir, what, key, reason, errors_.load(std::memory_order_relaxed));
}

void RocksStore::WriteFailed(std::string_view what, std::string_view key,
                             const std::string& reason) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (writes_stopped_.exchange(true)) return;
  last_error_log_ms_.store(SystemNowMs(), std::memory_order_relaxed);
  spdlog::error(
      "store '{}': {} of key '{}' failed: {}; the store takes no more writes until a restart, "
      "decisions go on from memory",
      options_.dir, what, key, reason);
}

void RocksStore::CheckSpace(int64_t now) {
  int64_t due = next_space_check_ms_.load(std::memory_order_relaxed);
  if (now < due) return;
  if (!next_space_check_ms_.compare_exchange_strong(due, now + kSpaceCheckIntervalMs)) return;
  struct statvfs fs {};
  if (statvfs(options_.dir.c_str(), &fs) != 0) return;  // unknown: let RocksDB try
  const uint64_t size = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  const uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  const uint64_t reserve = std::min(kReserveBytes, size / 4);
  const bool low = free < reserve;
  if (low == low_space_.exchange(low)) return;
  if (low) {
    spdlog::error(
        "store '{}': {} bytes free on its disk, under the reserve of {}: writes stop until space "
        "is back, decisions go on from memory",
        options_.dir, free, reserve);
  } else {
    spdlog::warn("store '{}': {} bytes free on its disk again: writes resume", options_.dir, free);
  }
}

bool RocksStore::WritesStopped(std::string_view what, std::string_view key) {
  CheckSpace(SystemNowMs());
  if (writes_stopped_.load(std::memory_order_relaxed)) {
    Failed(what, key, "the store stopped writing after an earlier error");
    return true;
  }
  if (low_space_.load(std::memory_order_relaxed)) {
    Failed(what, key, "the disk is full (under the reserve)");
    return true;
  }
  return false;
}

void RocksStore::OnChange(const StoredItemView& item) {
  if (item.duration < options_.min_duration_ms) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (WritesStopped("write", item.key)) return;
  thread_local std::string value;
  value.clear();
  value.append(reinterpret_cast<const char*>(&item.expire_at), sizeof(item.expire_at));
  value.append(reinterpret_cast<const char*>(&item.duration), sizeof(item.duration));
  value.append(item.state);
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  rocksdb::Status s = db_->Put(write, AsSlice(item.key), value);
  writes_.fetch_add(1, std::memory_order_relaxed);
  if (!s.ok()) WriteFailed("write", item.key, s.ToString());
}

void RocksStore::OnRemove(std::string_view key) {
  if (WritesStopped("delete", key)) return;
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  rocksdb::Status s = db_->Delete(write, AsSlice(key));
  writes_.fetch_add(1, std::memory_order_relaxed);
  if (!s.ok()) WriteFailed("delete", key, s.ToString());
}

std::optional<StoredItem> RocksStore::Get(std::string_view key, int64_t duration) {
  if (duration < options_.min_duration_ms) return std::nullopt;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), AsSlice(key), &value);
  reads_.fetch_add(1, std::memory_order_relaxed);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) {
    Failed("read", key, s.ToString());
    return std::nullopt;
  }
  if (value.size() < kValueHeaderBytes) {
    Failed("read", key, "value too short: " + std::to_string(value.size()) + " bytes");
    return std::nullopt;
  }
  read_hits_.fetch_add(1, std::memory_order_relaxed);
  StoredItem item;
  item.key = std::string(key);
  std::memcpy(&item.expire_at, value.data(), sizeof(item.expire_at));
  std::memcpy(&item.duration, value.data() + sizeof(int64_t), sizeof(item.duration));
  item.state = value.substr(kValueHeaderBytes);
  return item;
}

RocksStoreStats RocksStore::Stats() const {
  return RocksStoreStats{.writes = writes_.load(std::memory_order_relaxed),
                         .reads = reads_.load(std::memory_order_relaxed),
                         .read_hits = read_hits_.load(std::memory_order_relaxed),
                         .errors = errors_.load(std::memory_order_relaxed),
                         .skipped = skipped_.load(std::memory_order_relaxed)};
}

void RocksStore::CompactForTest() {
  db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr).PermitUncheckedError();
}

uint64_t RocksStore::EstimatedItems() const {
  uint64_t n = 0;
  db_->GetIntProperty("rocksdb.estimate-num-keys", &n);
  return n;
}

}  // namespace sluice::persist
