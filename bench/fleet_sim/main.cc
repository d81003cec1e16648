// fleet_sim: the mesh at fleet scale, simulated (docs/mesh.md "At fleet scale", issue 23).
//
//   fleet_sim [--nodes 10] [--keys 10000] [--rate 2000] [--zipf 1.0] [--limit 100]
//             [--window-ms 1000] [--duration-ms 10000] [--max-warmup-ms 60000]
//             [--latency-ms 1] [--jitter-ms 1] [--loss-pct 0] [--seed 1]
//             [--gossip-interval-ms 100] [--fanout 3] [--push-interval-ms 10]
//             [--probe-interval-ms 20] [--codec 0]
//
// Prints the run's details, then the result line:
//   nodes=… keys=… converge_p50_ms=… converge_p99_ms=… bytes_per_node_s=… state_bytes_per_node=…
//   overshoot_max=…
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "args.h"
#include "fleet_sim.h"

namespace {

int Usage(const std::string& problem) {
  std::fprintf(stderr, "fleet_sim: %s\nusage: fleet_sim [--nodes N] [--keys K] [--rate R/s] ... "
               "(see bench/fleet_sim/main.cc)\n", problem.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using sluice::bench::Args;
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
  o.codec = args.GetInt("--codec", 0) != 0;
  if (const std::string unused = args.Unused(); !unused.empty()) {
    return Usage("unknown flag " + unused);
  }
  if (o.nodes < 1 || o.keys < 1) return Usage("--nodes and --keys must be at least 1");
  if (o.rate_per_s < 0 || o.limit < 1 || o.window_ms < 1 || o.duration_ms < 1) {
    return Usage("--rate must be >= 0; --limit, --window-ms and --duration-ms >= 1");
  }
  if (o.link.loss < 0 || o.link.loss > 1) return Usage("--loss-pct must be in [0, 100]");
  if (o.link.latency_ms < 0 || o.link.jitter_ms < 0) return Usage("--latency-ms and --jitter-ms must be >= 0");
  if (o.gossip_interval_ms < 1 || o.fanout < 1 || o.push_interval_ms < 0 || o.probe_interval_ms < 1) {
    return Usage("--gossip-interval-ms, --fanout and --probe-interval-ms must be >= 1, --push-interval-ms >= 0");
  }

  const auto started = std::chrono::steady_clock::now();
  const sluice::fleet::FleetReport r = sluice::fleet::RunFleet(o);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "formed=%d warmup_ms=%lld requests=%llu admitted=%llu probes=%zu unconverged=%zu "
      "saturated_windows=%zu datagrams_per_node_s=%.1f lost=%llu wall_s=%.1f\n",
      r.formed ? 1 : 0, static_cast<long long>(r.warmup_ms),
      static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.admitted),
      r.probes, r.unconverged, r.saturated_windows, r.datagrams_per_node_s,
      static_cast<unsigned long long>(r.lost), wall);
  std::printf("%s\n", sluice::fleet::FormatResultLine(r.result).c_str());
  return r.formed ? 0 : 1;
}
