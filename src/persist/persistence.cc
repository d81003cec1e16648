#include "persist/persistence.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace sluice::persist {

absl::StatusOr<std::unique_ptr<Persistence>> Persistence::Open(const PersistenceOptions& options) {
  std::unique_ptr<Persistence> p(new Persistence(options));
  if (!options.snapshot_path.empty()) {
    p->snapshot_ = std::make_unique<SnapshotFile>(options.snapshot_path);
  }
  if (!options.store_dir.empty()) {
    auto rocks = RocksStore::Open({.dir = options.store_dir,
                                   .min_duration_ms = absl::ToInt64Milliseconds(
                                       options.store_min_duration),
                                   .sync = options.store_sync});
    if (!rocks.ok()) return rocks.status();
    p->rocks_ = std::move(*rocks);
    spdlog::info("store: {} (write-through for windows of at least {}, {} writes)",
                 options.store_dir, absl::FormatDuration(options.store_min_duration),
                 options.store_sync ? "fsynced" : "unsynced");
  }
  return p;
}

// Without Stop(), no last snapshot: a node that failed to start must not overwrite the file it
// could not load (and its limiter may already be gone).
Persistence::~Persistence() { StopSaver(); }

void Persistence::StopSaver() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (saver_.joinable()) saver_.join();
}

absl::Status Persistence::Restore(core::Limiter& limiter, const core::Clock& clock) {
  limiter_ = &limiter;
  clock_ = &clock;
  if (!snapshot_) return absl::OkStatus();
  const int64_t now = clock.NowMillis();
  uint64_t restored = 0, dropped = 0;
  Status status = snapshot_->Load([&](const StoredItemView& item) {
    (limiter.Restore(item, now) ? restored : dropped) += 1;
  });
  if (!status.ok()) {
    if (!options_.snapshot_ignore_errors) {
      return absl::FailedPreconditionError(absl::StrCat(
          status.message(), " (start with --snapshot-ignore-errors to begin without it)"));
    }
    spdlog::error("{}; starting without it (--snapshot-ignore-errors)", status.message());
    return absl::OkStatus();
  }
  spdlog::info("snapshot {}: {} keys restored, {} expired or unreadable dropped",
               options_.snapshot_path, restored, dropped);
  return absl::OkStatus();
}

void Persistence::Start(core::Limiter& limiter, const core::Clock& clock) {
  limiter_ = &limiter;
  clock_ = &clock;
  started_ = true;
  if (!snapshot_ || options_.snapshot_interval <= absl::ZeroDuration()) return;
  saver_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.snapshot_interval)) SaveNow();
  });
}

void Persistence::SaveNow() {
  absl::MutexLock lock(&save_mu_);
  const int64_t now = clock_->NowMillis();
  Status status = snapshot_->Save(
      [&](const Loader::ItemSink& sink) { limiter_->Snapshot(now, sink); });
  if (!status.ok()) {
    spdlog::error("{}; the previous snapshot stays", status.message());
    return;
  }
  const SnapshotStats stats = snapshot_->Stats();
  spdlog::debug("snapshot {}: {} keys, {} bytes in {:.3f} s", options_.snapshot_path,
                stats.last_items, stats.last_bytes, stats.last_save_seconds);
}

void Persistence::Stop() {
  if (stopped_) return;
  stopped_ = true;
  StopSaver();
  if (snapshot_ && started_) {
    SaveNow();
    const SnapshotStats stats = snapshot_->Stats();
    spdlog::info("snapshot {} written at stop: {} keys, {} bytes", options_.snapshot_path,
                 stats.last_items, stats.last_bytes);
  }
}

void Persistence::BindMetrics(obs::Registry& registry, const core::Limiter& limiter) {
  // Every family is exported, reading 0 when its part is off, so dashboards need no guard.
  auto snapshot = [s = snapshot_.get()](auto field) {
    return [s, field] { return s == nullptr ? 0.0 : static_cast<double>(field(s->Stats())); };
  };
  auto store = [r = rocks_.get()](auto field) {
    return [r, field] { return r == nullptr ? 0.0 : static_cast<double>(field(r->Stats())); };
  };
  registry.AddCallbackGauge("sluice_snapshot_bytes", "Size of the last snapshot written or loaded",
                            {}, snapshot([](const SnapshotStats& s) { return s.last_bytes; }));
  registry.AddCallbackGauge("sluice_snapshot_items", "Keys in the last snapshot written or loaded",
                            {}, snapshot([](const SnapshotStats& s) { return s.last_items; }));
  registry.AddCallbackGauge("sluice_snapshot_duration_seconds",
                            "How long the last snapshot took to write", {},
                            snapshot([](const SnapshotStats& s) { return s.last_save_seconds; }));
  registry.AddCallbackCounter("sluice_snapshot_saves_total", "Snapshots written whole", {},
                              snapshot([](const SnapshotStats& s) { return s.saves; }));
  registry.AddCallbackCounter("sluice_snapshot_errors_total",
                              "Snapshots that failed to write (the previous one stays)", {},
                              snapshot([](const SnapshotStats& s) { return s.save_errors; }));
  registry.AddCallbackCounter("sluice_store_dir_writes_total", "Writes to the --store-dir database", {},
                              store([](const RocksStoreStats& s) { return s.writes; }));
  registry.AddCallbackCounter("sluice_store_dir_reads_total",
                              "Lookups in the --store-dir database (keys missing from memory)", {},
                              store([](const RocksStoreStats& s) { return s.reads; }));
  registry.AddCallbackCounter("sluice_store_dir_read_hits_total",
                              "Lookups in the --store-dir database that found the key", {},
                              store([](const RocksStoreStats& s) { return s.read_hits; }));
  registry.AddCallbackCounter("sluice_store_dir_errors_total",
                              "Failed writes and lookups of the --store-dir database", {},
                              store([](const RocksStoreStats& s) { return s.errors; }));
  registry.AddCallbackCounter(
      "sluice_store_dir_skipped_total",
      "Changes not written: the key's window is shorter than --store-min-duration", {},
      store([](const RocksStoreStats& s) { return s.skipped; }));
  registry.AddCallbackCounter(
      "sluice_persist_undecodable_total",
      "Stored or snapshot items of another format, dropped (the key starts afresh)", {},
      [&limiter] { return static_cast<double>(limiter.undecodable_items()); });
}

}  // namespace sluice::persist
