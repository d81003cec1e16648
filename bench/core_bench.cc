// The core decision: Limiter::Check on one hot key and on 1,000,000 distinct keys, with 1 and
// 2 threads, beside a naive baseline (one absl::flat_hash_map behind one mutex) doing the same
// token-bucket arithmetic. Run: build/release/bench/core_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/limiter.h"
#include "core/store.h"

namespace sluice::core {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int kManyKeys = 1'000'000;

// Builds key number i, "requests_per_sec_account:<i>", in a buffer reused by one thread. The
// benchmark's own key then costs no memory access (a vector of a million std::string would add
// two cache misses per decision, the same for both limiters), so the timings are the limiters'.
class KeyMaker {
 public:
  KeyMaker() { std::memcpy(buffer_, kPrefix.data(), kPrefix.size()); }
  std::string_view Make(int i) {
    char* end = std::to_chars(buffer_ + kPrefix.size(), buffer_ + sizeof(buffer_), i).ptr;
    return {buffer_, static_cast<size_t>(end - buffer_)};
  }

 private:
  static constexpr std::string_view kPrefix = "requests_per_sec_account:";
  char buffer_[64];
};

RateLimitRequest Request() {
  RateLimitRequest req;
  req.name = "requests_per_sec";
  req.unique_key = "account:1";
  req.hits = 1;
  req.limit = 1'000'000'000;
  req.duration = 3'600'000;
  req.created_at = kNow;
  return req;
}

// One decision on a hot key by the algorithm numbered state.range(0) (core::Algorithm): the cost
// of the algorithm itself beside the same store work (docs/BENCHMARKS.md, "Sliding window
// against fixed window"). Keys per algorithm differ, so no run converts another's state.
void BM_Algorithm_HotKey(benchmark::State& state) {
  Store store(StoreOptions{.capacity = 1024});
  Limiter limiter(store);
  RateLimitRequest req = Request();
  req.algorithm = static_cast<int32_t>(state.range(0));
  const std::string key = "requests_per_sec_account:" + std::to_string(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(limiter.Check(req, key, kNow));
  state.SetItemsProcessed(state.iterations());
}

// Shared by the threads of one run; thread 0 creates it before the timed loop starts.
std::unique_ptr<Store> g_store;

void BM_Sluice_HotKey(benchmark::State& state) {
  Limiter limiter(*g_store);
  RateLimitRequest req = Request();
  const std::string key = "requests_per_sec_account:1";
  for (auto _ : state) benchmark::DoNotOptimize(limiter.Check(req, key, kNow));
  state.SetItemsProcessed(state.iterations());
}

void BM_Sluice_ManyKeys(benchmark::State& state) {
  Limiter limiter(*g_store);
  RateLimitRequest req = Request();
  KeyMaker keys;
  std::mt19937 rng(42 + state.thread_index());
  std::uniform_int_distribution<int> pick(0, kManyKeys - 1);
  for (auto _ : state) benchmark::DoNotOptimize(limiter.Check(req, keys.Make(pick(rng)), kNow));
  state.SetItemsProcessed(state.iterations());
}

// The naive baseline: one map, one lock, the same per-request work (find or insert, update).
struct NaiveLimiter {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, TokenBucketState> map ABSL_GUARDED_BY(mu);

  RateLimitResponse Check(const RateLimitRequest& req, std::string_view key) {
    absl::MutexLock lock(&mu);
    auto it = map.find(absl::string_view(key.data(), key.size()));  // no copy on a hit
    if (it == map.end()) {
      it = map.emplace(std::string(key),
                       TokenBucketState{.limit = req.limit, .duration = req.duration,
                                        .remaining = req.limit, .created_at = req.created_at})
               .first;
    }
    TokenBucketState& t = it->second;
    RateLimitResponse resp{.limit = req.limit, .remaining = t.remaining,
                           .reset_time = t.created_at + t.duration};
    if (req.hits > t.remaining) {
      resp.status = Status::kOverLimit;
    } else {
      t.remaining -= req.hits;
      resp.remaining = t.remaining;
    }
    return resp;
  }
};

std::unique_ptr<NaiveLimiter> g_naive;

void BM_Naive_HotKey(benchmark::State& state) {
  RateLimitRequest req = Request();
  const std::string key = "requests_per_sec_account:1";
  for (auto _ : state) benchmark::DoNotOptimize(g_naive->Check(req, key));
  state.SetItemsProcessed(state.iterations());
}

void BM_Naive_ManyKeys(benchmark::State& state) {
  RateLimitRequest req = Request();
  KeyMaker keys;
  std::mt19937 rng(42 + state.thread_index());
  std::uniform_int_distribution<int> pick(0, kManyKeys - 1);
  for (auto _ : state) benchmark::DoNotOptimize(g_naive->Check(req, keys.Make(pick(rng))));
  state.SetItemsProcessed(state.iterations());
}

// What one random memory access costs on this machine: a dependent load chain through a
// random cycle over 256 MiB (more than the footprint of 1,000,000 tracked keys). A decision over
// a million keys cannot beat the few such accesses it needs.
void BM_RandomMemoryAccess(benchmark::State& state) {
  static const std::vector<uint32_t>* next = [] {
    constexpr size_t kSlots = (256u << 20) / sizeof(uint32_t);
    std::vector<uint32_t> order(kSlots);
    for (size_t i = 0; i < kSlots; ++i) order[i] = static_cast<uint32_t>(i);
    std::shuffle(order.begin(), order.end(), std::mt19937(7));
    auto* v = new std::vector<uint32_t>(kSlots);
    for (size_t i = 0; i < kSlots; ++i) (*v)[order[i]] = order[(i + 1) % kSlots];
    return v;
  }();
  uint32_t at = 0;
  for (auto _ : state) {
    at = (*next)[at];
    benchmark::DoNotOptimize(at);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_RandomMemoryAccess)->UseRealTime();
BENCHMARK(BM_Algorithm_HotKey)
    ->ArgName("algorithm")
    ->Arg(static_cast<int>(Algorithm::kTokenBucket))
    ->Arg(static_cast<int>(Algorithm::kFixedWindow))
    ->Arg(static_cast<int>(Algorithm::kSlidingWindow))
    ->UseRealTime();
// The shared structures are made before a run's threads start and dropped after they end (made
// by thread 0 inside the benchmark, another thread could still hold the previous run's).
void MakeStore(const benchmark::State&) {
  g_store = std::make_unique<Store>(StoreOptions{.capacity = kManyKeys});
}
void DropStore(const benchmark::State&) { g_store.reset(); }
void MakeNaive(const benchmark::State&) { g_naive = std::make_unique<NaiveLimiter>(); }
void DropNaive(const benchmark::State&) { g_naive.reset(); }

BENCHMARK(BM_Sluice_HotKey)->Setup(MakeStore)->Teardown(DropStore)->Threads(1)->Threads(2)
    ->UseRealTime();
BENCHMARK(BM_Naive_HotKey)->Setup(MakeNaive)->Teardown(DropNaive)->Threads(1)->Threads(2)
    ->UseRealTime();
BENCHMARK(BM_Sluice_ManyKeys)->Setup(MakeStore)->Teardown(DropStore)->Threads(1)->Threads(2)
    ->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Naive_ManyKeys)->Setup(MakeNaive)->Teardown(DropNaive)->Threads(1)->Threads(2)
    ->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace sluice::core
