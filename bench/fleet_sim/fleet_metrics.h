// The fleet simulator's measurements (bench/fleet_sim, docs/mesh.md "At fleet scale"):
//  * ConvergenceTracker — for sampled admissions ("probes"), the time until every other node
//    knows the update, i.e. its watermark for the admitting node reaches the update's version
//    (so the node also knows every earlier update of that node: nothing is skipped).
//  * OvershootTracker — the true admitted total per (key, window), summed over all nodes; the
//    overshoot of a window is how far that total went over the limit.
//  * Percentile and the result line.
// Pure: callers pass the time; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sluice::fleet {

// Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below
// it. 0 for no values. `fraction` in (0, 1].
int64_t Percentile(std::vector<int64_t> values, double fraction);

class ConvergenceTracker {
 public:
  explicit ConvergenceTracker(size_t nodes) : nodes_(nodes), pending_(nodes) {}

  // `origin` admitted an update with `version` at `now`; every other node must come to know it.
  void Start(size_t origin, uint64_t version, int64_t now);
  // `node` knows every update of `origin` with a version <= `watermark` at `now`.
  void Observe(size_t node, size_t origin, uint64_t watermark, int64_t now);

  // Converged probes: the time each took. Unconverged ones count as `end - start` (a lower
  // bound), so a percentile that falls on them is an underestimate: see unconverged().
  std::vector<int64_t> Durations(int64_t end) const;
  size_t probes() const { return probes_.size(); }
  // Whether some probe of `origin` is still unconverged (Observe would do something).
  bool Pending(size_t origin) const { return origin < pending_.size() && !pending_[origin].empty(); }
  // The origins for which Pending is true, in no particular order: a few at a time, so a caller
  // matching a packet's origins against them needs no lookup by name.
  const std::vector<size_t>& pending_origins() const { return pending_origins_; }
  size_t unconverged() const;

 private:
  struct Probe {
    size_t origin;
    uint64_t version;
    int64_t start;
    int64_t done = -1;  // when the last node learned it; -1: not yet
    size_t missing;     // nodes that do not know it yet
    std::vector<bool> known;
  };

  size_t nodes_;
  std::vector<Probe> probes_;
  std::vector<std::vector<size_t>> pending_;  // per origin: its unconverged probes
  std::vector<size_t> pending_origins_;       // the origins whose pending_ is not empty
};

// Admissions per (key, window), summed over every node: the truth the mesh approximates.
class OvershootTracker {
 public:
  void Admit(size_t key, int64_t window_start, int64_t hits) { admitted_[{key, window_start}] += hits; }
  // The largest `admitted - limit` (0 if none went over) among windows of `window_ms` lying
  // wholly within [from, to).
  int64_t Max(int64_t limit, int64_t window_ms, int64_t from, int64_t to) const;
  // How many such windows reached the limit (admitted >= limit): the windows that were tested.
  size_t Saturated(int64_t limit, int64_t window_ms, int64_t from, int64_t to) const;

 private:
  std::map<std::pair<size_t, int64_t>, int64_t> admitted_;
};

struct FleetResult {
  size_t nodes = 0;
  size_t keys = 0;
  int64_t converge_p50_ms = 0;
  int64_t converge_p99_ms = 0;
  double bytes_per_node_s = 0;       // datagram bytes sent per node per simulated second
  double state_bytes_per_node = 0;   // estimated mesh state per node (see EstimateStateBytes)
  int64_t overshoot_max = 0;         // worst admitted - limit in one window, in hits
};

// "nodes=… keys=… converge_p50_ms=… converge_p99_ms=… bytes_per_node_s=… state_bytes_per_node=…
// overshoot_max=…": the one line each run ends with (issue 23).
std::string FormatResultLine(const FleetResult& result);

// Mesh state of one node estimated from the counts its table and member list expose, with the
// per-item costs of docs/mesh.md §1: a window ≈ 250 bytes plus its key, a slot ≈ 40 bytes, a
// known node life ≈ 200 bytes (ids, addresses, heartbeat bookkeeping).
double EstimateStateBytes(size_t windows, double mean_key_bytes, size_t slots, size_t nodes_known);

}  // namespace sluice::fleet
