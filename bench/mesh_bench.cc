// mesh_bench: the mesh-mode figures of docs/BENCHMARKS.md, against running nodes.
//
//   mesh_bench latency --addr HOST:PORT [--calls 3000] [--warmup 300]
//       One-item GetRateLimits calls, one at a time, keys cycling over 10,000: the unloaded
//       round trip of a decision (in mesh mode, a local decision). Works on any node.
//
//   mesh_bench convergence --grpc A,B,C[,...] [--samples 100] [--poll-us 500]
//       Per sample: one hit on a fresh key sent to one node (round robin), then every other
//       node is read (hits 0) every poll-us until it reports the hit. Convergence = time from
//       sending the hit until the last node sees it (includes one client round trip and up to
//       one poll interval). Reports p50/p99 of that and of each single node's visibility.
//
//   mesh_bench gossip --grpc A,B,C --http A,B,C [--keys 1000] [--rate 20000] [--seconds 5]
//                     [--idle-seconds 3]
//       Drives `rate` hits/s (100-item calls, spread round robin over the nodes, keys cycling
//       over `keys`), and reads sluice_gossip_bytes_total{direction="sent"} from each node's
//       /metrics before and after: gossip bytes per second per node under that load. Then
//       the same over `idle-seconds` with no traffic (the windows stay live).
//
// Output: one line of key=value pairs (latencies in microseconds).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "args.h"
#include "http_get.h"
#include "latency_stats.h"
#include "probe_client.h"

namespace sluice::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kConvergenceLimit = 1'000'000'000;
constexpr char kBytesSent[] = "sluice_gossip_bytes_total{direction=\"sent\"}";

double MicrosSince(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

int Latency(const Args& args) {
  ProbeClient client(args.Get("--addr", ""));
  const int64_t calls = args.GetInt("--calls", 3000);
  const int64_t warmup = args.GetInt("--warmup", 300);
  if (!client.WaitHealthy(std::chrono::seconds(10))) return 1;
  LatencyStats stats;
  int64_t errors = 0;
  for (int64_t i = 0; i < warmup + calls; ++i) {
    pb::gubernator::GetRateLimitsReq req;
    *req.add_requests() = BenchItem("key_" + std::to_string(i % 10000), 1);
    pb::gubernator::GetRateLimitsResp resp;
    double micros = 0;
    if (!client.Call(req, &resp, &micros).ok() || !resp.responses(0).error().empty()) {
      ++errors;
    } else if (i >= warmup) {
      stats.Add(micros);
    }
  }
  std::printf("%s errors=%lld\n", stats.Report("rtt").c_str(), static_cast<long long>(errors));
  return errors == 0 ? 0 : 1;
}

int Convergence(const Args& args) {
  const std::vector<std::string> nodes = SplitList(args.Get("--grpc", ""));
  const int64_t samples = args.GetInt("--samples", 100);
  const auto poll = std::chrono::microseconds(args.GetInt("--poll-us", 500));
  if (nodes.size() < 2) return 2;
  std::vector<std::unique_ptr<ProbeClient>> clients;
  for (const auto& n : nodes) {
    clients.push_back(std::make_unique<ProbeClient>(n));
    if (!clients.back()->WaitHealthy(std::chrono::seconds(10))) return 1;
  }
  LatencyStats all, each;
  int64_t timeouts = 0;
  const std::string prefix = "conv_" + std::to_string(getpid()) + "_";
  for (int64_t s = 0; s < samples; ++s) {
    const std::string key = prefix + std::to_string(s);
    const size_t origin = static_cast<size_t>(s) % nodes.size();
    pb::gubernator::GetRateLimitsReq hit;
    *hit.add_requests() = BenchItem(key, 1, kConvergenceLimit);
    pb::gubernator::GetRateLimitsResp hit_resp;
    const auto start = Clock::now();
    if (!clients[origin]->Call(hit, &hit_resp).ok() || !hit_resp.responses(0).error().empty()) {
      std::fprintf(stderr, "mesh_bench: hit failed: %s\n", hit_resp.ShortDebugString().c_str());
      return 1;
    }
    std::vector<double> seen(nodes.size(), -1);
    std::vector<std::thread> pollers;
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (n == origin) continue;
      pollers.emplace_back([&, n] {
        pb::gubernator::GetRateLimitsReq read;
        *read.add_requests() = BenchItem(key, 0, kConvergenceLimit);
        while (MicrosSince(start) < 2e6) {
          pb::gubernator::GetRateLimitsResp resp;
          if (clients[n]->Call(read, &resp).ok() && resp.responses_size() == 1 &&
              resp.responses(0).remaining() < kConvergenceLimit) {
            seen[n] = MicrosSince(start);
            return;
          }
          std::this_thread::sleep_for(poll);
        }
      });
    }
    for (auto& t : pollers) t.join();
    double last = 0;
    bool complete = true;
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (n == origin) continue;
      if (seen[n] < 0)
        complete = false;
      else
        each.Add(seen[n]);
      last = std::max(last, seen[n]);
    }
    if (complete)
      all.Add(last);
    else
      ++timeouts;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("nodes=%zu %s %s timeouts=%lld\n", nodes.size(), all.Report("all").c_str(),
              each.Report("each").c_str(), static_cast<long long>(timeouts));
  return 0;
}

// Bytes sent by each node's gossip so far, or an empty vector on a failed scrape.
std::vector<double> BytesSent(const std::vector<std::string>& http) {
  std::vector<double> out;
  for (const auto& h : http) {
    auto body = HttpGet(h, "/metrics");
    if (!body.ok()) {
      std::fprintf(stderr, "mesh_bench: %s\n", std::string(body.status().message()).c_str());
      return {};
    }
    out.push_back(PrometheusValue(*body, kBytesSent));
  }
  return out;
}

// "windows" from /v1/mesh/stats of each node, as "a/b/c".
std::string Windows(const std::vector<std::string>& http) {
  std::string out;
  for (const auto& h : http) {
    auto body = HttpGet(h, "/v1/mesh/stats");
    std::string value = "?";
    if (body.ok()) {
      size_t at = body->find("\"windows\":");
      if (at != std::string::npos) value = std::to_string(std::atoll(body->c_str() + at + 10));
    }
    out += (out.empty() ? "" : "/") + value;
  }
  return out;
}

// Per-node rate between two scrapes: "mean min max".
struct Rates {
  double mean = 0, min = 0, max = 0;
};
Rates RatesBetween(const std::vector<double>& before, const std::vector<double>& after,
                   double seconds) {
  Rates r{0, 1e300, 0};
  for (size_t i = 0; i < before.size(); ++i) {
    double rate = (after[i] - before[i]) / seconds;
    r.mean += rate / static_cast<double>(before.size());
    r.min = std::min(r.min, rate);
    r.max = std::max(r.max, rate);
  }
  return r;
}

int Gossip(const Args& args) {
  const std::vector<std::string> grpc = SplitList(args.Get("--grpc", ""));
  const std::vector<std::string> http = SplitList(args.Get("--http", ""));
  const int64_t keys = args.GetInt("--keys", 1000);
  const int64_t rate = args.GetInt("--rate", 20000);
  const double seconds = static_cast<double>(args.GetInt("--seconds", 5));
  const double idle_seconds = static_cast<double>(args.GetInt("--idle-seconds", 3));
  constexpr int kItems = 100;
  if (grpc.empty() || grpc.size() != http.size()) return 2;
  std::vector<std::unique_ptr<ProbeClient>> clients;
  for (const auto& n : grpc) {
    clients.push_back(std::make_unique<ProbeClient>(n));
    if (!clients.back()->WaitHealthy(std::chrono::seconds(10))) return 1;
  }

  auto before = BytesSent(http);
  if (before.empty()) return 1;
  const auto start = Clock::now();
  const double call_interval_us = 1e6 * kItems / static_cast<double>(rate);
  int64_t sent = 0, errors = 0, next_key = 0;
  for (int64_t call = 0;; ++call) {
    const double due = static_cast<double>(call) * call_interval_us;
    if (due >= seconds * 1e6) break;
    double now = MicrosSince(start);
    if (now < due) std::this_thread::sleep_for(std::chrono::microseconds(int64_t(due - now)));
    pb::gubernator::GetRateLimitsReq req;
    for (int i = 0; i < kItems; ++i) {
      *req.add_requests() = BenchItem("g_" + std::to_string(next_key), 1);
      next_key = (next_key + 1) % keys;
    }
    pb::gubernator::GetRateLimitsResp resp;
    if (!clients[static_cast<size_t>(call) % clients.size()]->Call(req, &resp).ok()) ++errors;
    for (const auto& r : resp.responses()) errors += r.error().empty() ? 0 : 1;
    sent += kItems;
  }
  const double elapsed = MicrosSince(start) / 1e6;
  auto after = BytesSent(http);
  if (after.empty()) return 1;
  Rates load = RatesBetween(before, after, elapsed);

  std::this_thread::sleep_for(std::chrono::seconds(1));  // pushes and catch-up settle
  const std::string windows = Windows(http);
  auto idle_before = BytesSent(http);
  std::this_thread::sleep_for(std::chrono::duration<double>(idle_seconds));
  auto idle_after = BytesSent(http);
  if (idle_before.empty() || idle_after.empty()) return 1;
  Rates idle = RatesBetween(idle_before, idle_after, idle_seconds);

  const double hit_rate = static_cast<double>(sent) / elapsed;
  std::printf(
      "nodes=%zu keys=%lld hit_rate=%.0f load_bytes_per_s=%.0f load_min=%.0f "
      "load_max=%.0f bytes_per_hit=%.1f idle_bytes_per_s=%.0f idle_min=%.0f "
      "idle_max=%.0f windows=%s errors=%lld\n",
      grpc.size(), static_cast<long long>(keys), hit_rate, load.mean, load.min, load.max,
      load.mean * static_cast<double>(grpc.size()) / hit_rate, idle.mean, idle.min, idle.max,
      windows.c_str(), static_cast<long long>(errors));
  return errors == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  Args args(argc, argv, 2);
  int rc = 2;
  if (args.ok() && command == "latency") rc = Latency(args);
  if (args.ok() && command == "convergence") rc = Convergence(args);
  if (args.ok() && command == "gossip") rc = Gossip(args);
  if (std::string unused = args.Unused(); !unused.empty()) {
    std::fprintf(stderr, "mesh_bench: unknown flag %s\n", unused.c_str());
    return 2;
  }
  if (rc == 2)
    std::fprintf(stderr, "usage: mesh_bench latency|convergence|gossip ... (see source)\n");
  return rc;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) { return sluice::bench::Main(argc, argv); }
