// fleet_sim: the mesh at fleet scale, simulated (docs/mesh.md "At fleet scale", issue 23).
//
//   fleet_sim ring [--nodes 100,1000] [--keys 100000] [--replicas 512] [--rate 100000]
//             [--seconds 3] [--batch-wait-us 500] [--seed 1] [--zipf 1.0] [--key-ids seq|random]
//     cluster mode instead: the ring's spread, keys moved on join/leave, forwarding fan-out
//
//   fleet_sim [--nodes 10] [--keys 10000] [--rate 2000] [--zipf 1.0] [--limit 100]
//             [--window-ms 1000] [--duration-ms 10000] [--max-warmup-ms 60000]
//             [--latency-ms 1] [--jitter-ms 1] [--loss-pct 0] [--seed 1]
//             [--gossip-interval-ms 100] [--fanout 3] [--push-interval-ms 10]
//             [--probe-interval-ms 20] [--probe-above-lives 128] [--codec 0] [--progress 0]
//             [--threads min(cores, 8)]
//
// Prints the run's details, then the result line:
//   nodes=… keys=… converge_p50_ms=… converge_p99_ms=… bytes_per_node_s=… state_bytes_per_node=…
//   overshoot_max=…
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "args.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "fleet_sim.h"
#include "ring_stats.h"

namespace {

int Usage(const std::string& problem) {
  std::fprintf(stderr, "fleet_sim: %s\nusage: fleet_sim [--nodes N] [--keys K] [--rate R/s] ... "
               "(see bench/fleet_sim/main.cc)\n", problem.c_str());
  return 2;
}

// `fleet_sim ring …`: one line per node count and hash function.
int RunRing(const sluice::bench::Args& args) {
  using namespace sluice;
  std::vector<size_t> counts;
  for (absl::string_view part : absl::StrSplit(args.Get("--nodes", "100,1000"), ',')) {
    size_t n = 0;
    if (!absl::SimpleAtoi(part, &n) || n < 1) return Usage("--nodes: not a node count: " + std::string(part));
    counts.push_back(n);
  }
  const auto keys = static_cast<size_t>(args.GetInt("--keys", 100'000));
  const int replicas = static_cast<int>(args.GetInt("--replicas", 512));
  const double rate = std::strtod(args.Get("--rate", "100000").c_str(), nullptr);
  const int64_t seconds = args.GetInt("--seconds", 3);
  const int64_t batch_wait_us = args.GetInt("--batch-wait-us", 500);
  const auto seed = static_cast<uint64_t>(args.GetInt("--seed", 1));
  const double zipf_exponent = std::strtod(args.Get("--zipf", "1.0").c_str(), nullptr);
  const bool random_ids = args.Get("--key-ids", "seq") == "random";
  if (const std::string unused = args.Unused(); !unused.empty()) return Usage("unknown flag " + unused);
  if (keys < 1 || replicas < 1 || rate <= 0 || seconds < 1 || batch_wait_us < 1) {
    return Usage("--keys, --replicas, --rate, --seconds and --batch-wait-us must be positive");
  }
  const std::vector<std::string> key_names = fleet::SyntheticKeys(keys, random_ids);
  const fleet::Zipf zipf(keys, zipf_exponent);
  for (size_t n : counts) {
    for (cluster::HashFunction hash : {cluster::HashFunction::kFnv1, cluster::HashFunction::kFnv1a}) {
      const cluster::RingOptions ro{.replicas = replicas, .hash = hash};
      std::vector<cluster::PeerInfo> peers = fleet::SyntheticPeers(n + 1);
      const cluster::PeerInfo joiner = peers.back();
      peers.pop_back();
      auto ring = cluster::Ring::Build(peers, ro);
      std::vector<cluster::PeerInfo> plus = peers;
      plus.push_back(joiner);
      auto joined = cluster::Ring::Build(plus, ro);
      std::vector<cluster::PeerInfo> minus = peers;
      minus.erase(minus.begin() + static_cast<std::ptrdiff_t>(n / 2));
      auto left = cluster::Ring::Build(minus, ro);
      if (!ring.ok() || !joined.ok() || !left.ok()) {
        std::fprintf(stderr, "fleet_sim ring: %s\n", ring.status().ToString().c_str());
        return 1;
      }
      const fleet::Spread s = fleet::OwnershipSpread(*ring, key_names);
      const fleet::Moved j = fleet::KeysMoved(*ring, *joined, key_names);
      const fleet::Moved l = fleet::KeysMoved(*ring, *left, key_names);
      const fleet::Forwarding f =
          fleet::ForwardFanOut(*ring, key_names, zipf, rate, seconds, batch_wait_us, seed);
      std::printf(
          "ring nodes=%zu hash=%s key_ids=%s replicas=%d keys=%zu owned_mean=%.1f owned_min=%zu "
          "owned_max=%zu owned_cv=%.3f join_moved=%.5f join_ideal=%.5f leave_moved=%.5f "
          "leave_ideal=%.5f moved_between_others=%zu forwarded=%.3f peers_per_node_s=%.1f "
          "peers_per_node_s_max=%zu senders_per_node_s=%.1f senders_per_node_s_max=%zu "
          "items_per_batch=%.2f\n",
          n, hash == cluster::HashFunction::kFnv1 ? "fnv1" : "fnv1a", random_ids ? "random" : "seq", replicas, keys, s.mean,
          s.min, s.max, s.stddev_over_mean, j.fraction, 1.0 / static_cast<double>(n + 1),
          l.fraction, 1.0 / static_cast<double>(n), j.between_others + l.between_others,
          f.forwarded_fraction, f.peers_per_node_s, f.peers_per_node_s_max, f.senders_per_node_s,
          f.senders_per_node_s_max, f.items_per_batch);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Each node's table is used by one thread at a time: its mutexes never contend, so skip
  // absl's lock-order graph (as src/server/main.cc); it cost 4 % of a 100-node run.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  using sluice::bench::Args;
  if (argc > 1 && std::string(argv[1]) == "ring") {
    Args ring_args(argc, argv, 2);
    if (!ring_args.ok()) return Usage("every flag needs a value");
    return RunRing(ring_args);
  }
  Args args(argc, argv, 1);
  if (!args.ok()) return Usage("every flag needs a value");
  sluice::fleet::FleetOptions o;
  o.nodes = static_cast<size_t>(args.GetInt("--nodes", 10));
  o.keys = static_cast<size_t>(args.GetInt("--keys", 10'000));
  o.rate_per_s = std::strtod(args.Get("--rate", "2000").c_str(), nullptr);
  o.zipf_exponent = std::strtod(args.Get("--zipf", "1.0").c_str(), nullptr);
  o.limit = args.GetInt("--limit", 100);
  o.window_ms = args.GetInt("--window-ms", 1000);
  o.duration_ms = args.GetInt("--duration-ms", 10'000);
  o.max_warmup_ms = args.GetInt("--max-warmup-ms", 60'000);
  o.link.latency_ms = args.GetInt("--latency-ms", 1);
  o.link.jitter_ms = args.GetInt("--jitter-ms", 1);
  o.link.loss = std::strtod(args.Get("--loss-pct", "0").c_str(), nullptr) / 100.0;
  o.seed = static_cast<uint64_t>(args.GetInt("--seed", 1));
  o.gossip_interval_ms = args.GetInt("--gossip-interval-ms", 100);
  o.fanout = static_cast<int>(args.GetInt("--fanout", 3));
  o.push_interval_ms = args.GetInt("--push-interval-ms", 10);
  o.probe_interval_ms = args.GetInt("--probe-interval-ms", 20);
  o.probe_above_lives = static_cast<size_t>(args.GetInt("--probe-above-lives", 128));
  o.codec = args.GetInt("--codec", 0) != 0;
  // The serial part of a step (network, tracker) limits the gain from more threads; 8 is
  // plenty. The result is the same for any count.
  o.threads = static_cast<int>(
      args.GetInt("--threads", std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, 8)));
  if (args.GetInt("--progress", 0) != 0) {
    const auto t0 = std::chrono::steady_clock::now();
    o.progress = [t0](const std::string& line) {
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "fleet_sim: %s (wall %.1f s)\n", line.c_str(), wall);
    };
  }
  if (const std::string unused = args.Unused(); !unused.empty()) {
    return Usage("unknown flag " + unused);
  }
  if (o.nodes < 1 || o.keys < 1) return Usage("--nodes and --keys must be at least 1");
  if (o.rate_per_s < 0 || o.limit < 1 || o.window_ms < 1 || o.duration_ms < 1) {
    return Usage("--rate must be >= 0; --limit, --window-ms and --duration-ms >= 1");
  }
  if (o.threads < 1) return Usage("--threads must be at least 1");
  if (o.link.loss < 0 || o.link.loss > 1) return Usage("--loss-pct must be in [0, 100]");
  if (o.link.latency_ms < 0 || o.link.jitter_ms < 0) return Usage("--latency-ms and --jitter-ms must be >= 0");
  if (o.gossip_interval_ms < 1 || o.fanout < 1 || o.push_interval_ms < 0 || o.probe_interval_ms < 1) {
    return Usage("--gossip-interval-ms, --fanout and --probe-interval-ms must be >= 1, --push-interval-ms >= 0");
  }

  const auto started = std::chrono::steady_clock::now();
  const std::clock_t cpu_started = std::clock();
  const sluice::fleet::FleetReport r = sluice::fleet::RunFleet(o);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // CPU time too: on shared cores wall time says more about the neighbours than the simulator.
  const double cpu = static_cast<double>(std::clock() - cpu_started) / CLOCKS_PER_SEC;
  std::printf(
      "formed=%d warmup_ms=%lld requests=%llu admitted=%llu probes=%zu unconverged=%zu "
      "saturated_windows=%zu datagrams_per_node_s=%.1f push_bytes_per_node_s=%.0f "
      "syn_bytes_per_node_s=%.0f reply_bytes_per_node_s=%.0f false_suspects=%zu false_deaths=%zu "
      "lost=%llu threads=%d wall_s=%.1f cpu_s=%.1f\n",
      r.formed ? 1 : 0, static_cast<long long>(r.warmup_ms),
      static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.admitted),
      r.probes, r.unconverged, r.saturated_windows, r.datagrams_per_node_s,
      r.push_bytes_per_node_s, r.syn_bytes_per_node_s, r.reply_bytes_per_node_s,
      r.false_suspects, r.false_deaths,
      static_cast<unsigned long long>(r.lost), o.threads, wall, cpu);
  std::printf("%s\n", sluice::fleet::FormatResultLine(r.result).c_str());
  return r.formed ? 0 : 1;
}
