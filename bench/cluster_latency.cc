// cluster_latency: what forwarding a request to its owner adds, on a running cluster.
//
// Sends one-item GetRateLimits calls, one at a time, to one node (--target) and times each.
// Keys are first sorted by the answer's metadata["owner"], which only a non-owner sets: keys this
// node owns are "local", the others "forwarded". Then, round after round, in a shuffled order:
//   local       a key the target owns (no network hop beyond the client's)
//   nobatch     a key owned elsewhere, behavior NO_BATCHING (forwarded alone, at once)
//   batch       a key owned elsewhere, behavior BATCHING (queued for --batch-wait, then sent)
//   null        (with --baseline) the same call to bench's null_server: the bare loopback gRPC
//               round trip, with no decision behind it
// Interleaving them puts the same machine noise on each. "Forwarded costs at most one extra
// loopback round trip" reads as nobatch_p50 - local_p50 <= local_p50 (a round trip to a Sluice
// node, decision included), or, strictly, <= null_p50 (the transport alone).
//
// Usage: cluster_latency --target HOST:PORT [--baseline HOST:PORT] [--calls 2000] [--warmup 200]
//                        [--seed 1]
// Output: one line of key=value pairs (latencies in microseconds).
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "args.h"
#include "latency_stats.h"
#include "probe_client.h"

namespace sluice::bench {
namespace {

constexpr int kKeysPerClass = 64;

int Main(int argc, char** argv) {
  Args args(argc, argv, 1);
  const std::string target = args.Get("--target", "");
  const std::string baseline = args.Get("--baseline", "");
  const int64_t calls = args.GetInt("--calls", 2000);
  const int64_t warmup = args.GetInt("--warmup", 200);
  const int64_t seed = args.GetInt("--seed", 1);
  if (!args.ok() || target.empty() || !args.Unused().empty()) {
    std::fprintf(stderr,
                 "usage: cluster_latency --target HOST:PORT [--baseline HOST:PORT] "
                 "[--calls N] [--warmup N] [--seed N]\n");
    return 2;
  }
  ProbeClient client(target);
  if (!client.WaitHealthy(std::chrono::seconds(10))) {
    std::fprintf(stderr, "cluster_latency: %s is not healthy\n", target.c_str());
    return 1;
  }
  std::unique_ptr<ProbeClient> null_client;
  if (!baseline.empty()) {
    null_client = std::make_unique<ProbeClient>(baseline);
    if (!null_client->WaitHealthy(std::chrono::seconds(10))) {
      std::fprintf(stderr, "cluster_latency: %s is not healthy\n", baseline.c_str());
      return 1;
    }
  }

  // Sort keys by owner.
  std::vector<std::string> local, remote;
  for (int k = 0; k < 4000 && (local.size() < kKeysPerClass || remote.size() < kKeysPerClass);
       ++k) {
    std::string key = "lat_" + std::to_string(seed) + "_" + std::to_string(k);
    pb::gubernator::GetRateLimitsReq req;
    *req.add_requests() = BenchItem(key, 0);
    pb::gubernator::GetRateLimitsResp resp;
    grpc::Status status = client.Call(req, &resp);
    if (!status.ok() || resp.responses_size() != 1 || !resp.responses(0).error().empty()) {
      std::fprintf(stderr, "cluster_latency: probe failed: %s %s\n", status.error_message().c_str(),
                   resp.ShortDebugString().c_str());
      return 1;
    }
    auto& bucket = resp.responses(0).metadata().count("owner") ? remote : local;
    if (bucket.size() < kKeysPerClass) bucket.push_back(key);
  }
  if (local.empty() || remote.empty()) {
    std::fprintf(stderr,
                 "cluster_latency: found %zu local and %zu forwarded keys; is %s in a "
                 "cluster?\n",
                 local.size(), remote.size(), target.c_str());
    return 1;
  }

  enum Kind { kLocal, kNoBatch, kBatch, kNull };
  std::array<LatencyStats, 4> stats;
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  int64_t errors = 0;
  std::vector<Kind> order = {kLocal, kNoBatch, kBatch};
  if (null_client) order.push_back(kNull);
  for (int64_t round = 0; round < warmup + calls; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    for (Kind kind : order) {
      const auto& keys = kind == kLocal ? local : remote;
      pb::gubernator::GetRateLimitsReq req;
      *req.add_requests() = BenchItem(keys[rng() % keys.size()], 1, 1'000'000'000, 3'600'000,
                                      kind == kNoBatch ? pb::gubernator::NO_BATCHING : 0);
      pb::gubernator::GetRateLimitsResp resp;
      double micros = 0;
      grpc::Status status = (kind == kNull ? *null_client : client).Call(req, &resp, &micros);
      if (!status.ok() || resp.responses_size() != 1 || !resp.responses(0).error().empty()) {
        ++errors;
        continue;
      }
      if (round >= warmup) stats[kind].Add(micros);
    }
  }
  if (null_client) std::printf("%s ", stats[kNull].Report("null").c_str());
  std::printf(
      "%s %s %s extra_nobatch_p50_us=%.0f extra_nobatch_p99_us=%.0f "
      "extra_batch_p50_us=%.0f extra_batch_p99_us=%.0f errors=%lld\n",
      stats[kLocal].Report("local").c_str(), stats[kNoBatch].Report("nobatch").c_str(),
      stats[kBatch].Report("batch").c_str(),
      stats[kNoBatch].Percentile(50) - stats[kLocal].Percentile(50),
      stats[kNoBatch].Percentile(99) - stats[kLocal].Percentile(99),
      stats[kBatch].Percentile(50) - stats[kLocal].Percentile(50),
      stats[kBatch].Percentile(99) - stats[kLocal].Percentile(99), static_cast<long long>(errors));
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) { return sluice::bench::Main(argc, argv); }
