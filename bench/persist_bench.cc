// Decisions per second and latency of the core limiter with and without the --store-dir
// RocksDB store, on long-window keys (every decision is a write-through). The worst case for
// the store: no transport cost around the decision. docs/BENCHMARKS.md#persistence.
//
//   persist_bench [--threads N] [--keys N] [--seconds S] [--dir DIR]
// Prints one line per mode: memory, store (unsynced writes), store-sync (fsync per write;
// only with --sync).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "persist/rocks_store.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Result {
  uint64_t decisions = 0;
  double seconds = 0;
  double p50_us = 0, p99_us = 0;
};

Result Run(sluice::Store* persistent, int threads, int keys, double seconds) {
  sluice::core::Store store(sluice::core::StoreOptions{.capacity = static_cast<size_t>(keys) * 2});
  sluice::core::Limiter limiter(store, persistent);
  std::atomic<bool> stop{false};
  std::vector<std::vector<float>> latencies(threads);
  std::vector<uint64_t> counts(threads);
  std::vector<std::thread> workers;
  const auto start = SteadyClock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      sluice::core::RateLimitRequest req;
      req.name = "bench";
      req.limit = int64_t{1} << 40;
      req.duration = 30LL * 24 * 3'600'000;  // a monthly quota
      req.hits = 1;
      uint64_t n = 0;
      uint32_t x = 2463534242u + static_cast<uint32_t>(t);
      while (!stop.load(std::memory_order_relaxed)) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;  // xorshift: keys in random order
        req.unique_key = "account:" + std::to_string(x % static_cast<uint32_t>(keys));
        const int64_t now = sluice::core::SystemClock::Instance().NowMillis();
        req.created_at = now;
        const auto t0 = SteadyClock::now();
        limiter.Check(req, now);
        const auto t1 = SteadyClock::now();
        if ((n & 15) == 0) {
          latencies[t].push_back(std::chrono::duration<float, std::micro>(t1 - t0).count());
        }
        ++n;
      }
      counts[t] = n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  Result r;
  r.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::vector<float> all;
  for (int t = 0; t < threads; ++t) {
    r.decisions += counts[t];
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
  }
  std::sort(all.begin(), all.end());
  if (!all.empty()) {
    r.p50_us = all[all.size() / 2];
    r.p99_us = all[all.size() * 99 / 100];
  }
  return r;
}

void Print(const char* mode, const Result& r, double baseline) {
  const double rate = static_cast<double>(r.decisions) / r.seconds;
  std::printf("%-11s %12.0f decisions/s  p50 %7.2f us  p99 %8.2f us  %.2fx memory\n", mode, rate,
              r.p50_us, r.p99_us, baseline > 0 ? rate / baseline : 1.0);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, keys = 10'000;
  double seconds = 5;
  bool sync = false;
  std::string dir = (std::filesystem::temp_directory_path() / "sluice_persist_bench").string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (arg == "--threads") threads = std::atoi(next().c_str());
    else if (arg == "--keys") keys = std::atoi(next().c_str());
    else if (arg == "--seconds") seconds = std::atof(next().c_str());
    else if (arg == "--dir") dir = next();
    else if (arg == "--sync") sync = true;
    else {
      std::fprintf(stderr, "unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  std::printf("%d threads, %d keys of a 30-day window, %.0f s per mode\n", threads, keys, seconds);
  const Result memory = Run(nullptr, threads, keys, seconds);
  const double baseline = static_cast<double>(memory.decisions) / memory.seconds;
  Print("memory", memory, baseline);
  for (bool synced : {false, true}) {
    if (synced && !sync) break;
    std::filesystem::remove_all(dir);
    auto store = sluice::persist::RocksStore::Open({.dir = dir, .sync = synced});
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
      return 1;
    }
    Print(synced ? "store-sync" : "store", Run(store->get(), threads, keys, seconds), baseline);
    store->reset();
    std::filesystem::remove_all(dir);
  }
  return 0;
}
