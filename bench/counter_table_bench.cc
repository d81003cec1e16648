// The mesh's CounterTable on the paths a big mesh repeats for every admission anywhere in the
// fleet (issue 23: at 1000 nodes and 2,000 requests/s, 2 M slot updates per second over the
// fleet): merging a peer's slot update (new, and the same update again, as relays deliver it),
// reading a watermark among N origins (once per digest entry), and building a delta from one
// origin's changes (VisitSince). Run: build/release/bench/counter_table_bench
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "mesh/counter_table.h"

namespace sluice::mesh {
namespace {

constexpr int64_t kWindowStart = 1'700'000'000'000;
constexpr int64_t kNow = kWindowStart + 500;
constexpr size_t kKeys = 10'000;

// Node lives named as a sidecar's: 16 hex digits and an epoch-ms incarnation.
std::vector<OriginId> Origins(size_t n) {
  std::vector<OriginId> origins;
  for (size_t i = 0; i < n; ++i) {
    origins.push_back(OriginId{absl::StrFormat("%016x", (i + 1) * 0x9E3779B97F4A7C15ULL),
                               static_cast<uint64_t>(kWindowStart - 1000)});
  }
  return origins;
}

std::vector<WindowKey> Windows() {
  std::vector<WindowKey> windows;
  for (size_t k = 0; k < kKeys; ++k) {
    windows.push_back(WindowKey{absl::StrFormat("fleet_k%d", k), kWindowStart, kWindowStart + 1000});
  }
  return windows;
}

CounterTable::Options TableOptions() {
  return CounterTable::Options{.self = OriginId{"0000000000000000", 1}};
}

// Each merge raises one origin's slot in one window: round robin over state.range(0) origins,
// each touching 8 keys of its own (the windows and slots are created the first time round): the
// fleet's steady state, where every update is new to the receiver.
void BM_MergeNewUpdate(benchmark::State& state) {
  const std::vector<OriginId> origins = Origins(static_cast<size_t>(state.range(0)));
  const std::vector<WindowKey> windows = Windows();
  CounterTable table(TableOptions());
  std::vector<uint64_t> versions(origins.size(), 0);
  size_t i = 0;
  for (auto _ : state) {
    const size_t o = i % origins.size();
    const WindowKey& window = windows[(o * 7919 + (i / origins.size()) % 8) % kKeys];
    ++versions[o];
    benchmark::DoNotOptimize(table.Merge(origins[o], window,
                                         static_cast<int64_t>(versions[o]), versions[o], kNow));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MergeNewUpdate)->Arg(10)->Arg(100)->Arg(1000);

// The same updates merged again (a relayed or re-offered copy): kUnchanged.
void BM_MergeRepeatedUpdate(benchmark::State& state) {
  const std::vector<OriginId> origins = Origins(static_cast<size_t>(state.range(0)));
  const std::vector<WindowKey> windows = Windows();
  CounterTable table(TableOptions());
  for (size_t o = 0; o < origins.size(); ++o) {
    for (size_t k = o % 10; k < kKeys; k += 10) table.Merge(origins[o], windows[k], 5, k + 1, kNow);
  }
  size_t i = 0;
  for (auto _ : state) {
    const size_t o = i % origins.size();
    const size_t k = (i / origins.size() * 10 + o % 10) % kKeys;
    benchmark::DoNotOptimize(table.Merge(origins[o], windows[k], 5, k + 1, kNow));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MergeRepeatedUpdate)->Arg(10)->Arg(100)->Arg(1000);

// One hot key: every origin raises its slot in the same window (the window holds state.range(0)
// slots, at most max_slots_per_key).
void BM_MergeHotKey(benchmark::State& state) {
  const std::vector<OriginId> origins = Origins(static_cast<size_t>(state.range(0)));
  const WindowKey window{"fleet_k0", kWindowStart, kWindowStart + 1000};
  CounterTable table(TableOptions());
  std::vector<uint64_t> versions(origins.size(), 0);
  size_t i = 0;
  for (auto _ : state) {
    const size_t o = i % origins.size();
    ++versions[o];
    benchmark::DoNotOptimize(table.Merge(origins[o], window, static_cast<int64_t>(versions[o]),
                                         versions[o], kNow));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MergeHotKey)->Arg(10)->Arg(100)->Arg(250);

// A watermark among state.range(0) known origins (a digest entry each).
void BM_Watermark(benchmark::State& state) {
  const std::vector<OriginId> origins = Origins(static_cast<size_t>(state.range(0)));
  CounterTable table(TableOptions());
  for (size_t o = 0; o < origins.size(); ++o) table.AdvanceWatermark(origins[o], 0, o + 1);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.Watermark(origins[i % origins.size()]));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Watermark)->Arg(10)->Arg(1000);

// A local admission on one of the keys (mesh::Decide's table work).
void BM_Consume(benchmark::State& state) {
  const std::vector<WindowKey> windows = Windows();
  CounterTable table(TableOptions());
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.Consume(windows[(i * 7919) % kKeys], 1, 1'000'000, false));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Consume);

// A push's delta: this node's last state.range(0) changes, visited in version order.
void BM_VisitSinceOwn(benchmark::State& state) {
  const std::vector<WindowKey> windows = Windows();
  CounterTable table(TableOptions());
  for (size_t k = 0; k < kKeys; ++k) (void)table.Consume(windows[k], 1, 1'000'000, false);
  const uint64_t latest = table.Watermark(table.self());
  const auto changes = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    size_t visited = 0;
    table.VisitSince(table.self(), latest - changes, [&](const SlotView& view) {
      visited += static_cast<size_t>(view.count);
      return true;
    });
    benchmark::DoNotOptimize(visited);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VisitSinceOwn)->Arg(1)->Arg(20)->Arg(300);

}  // namespace
}  // namespace sluice::mesh
