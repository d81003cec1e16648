#include "fleet_metrics.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace sluice::fleet {

int64_t Percentile(std::vector<int64_t> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

void ConvergenceTracker::Start(size_t origin, uint64_t version, int64_t now) {
  Probe p{origin, version, now, -1, nodes_ - 1, std::vector<bool>(nodes_, false)};
  p.known[origin] = true;
  if (p.missing == 0) p.done = now;
  probes_.push_back(std::move(p));
  if (probes_.back().done >= 0) return;
  if (pending_[origin].empty()) pending_origins_.push_back(origin);
  pending_[origin].push_back(probes_.size() - 1);
}

void ConvergenceTracker::Observe(size_t node, size_t origin, uint64_t watermark, int64_t now) {
  std::vector<size_t>& pending = pending_[origin];
  if (pending.empty()) return;
  for (size_t i = 0; i < pending.size();) {
    Probe& p = probes_[pending[i]];
    if (p.version <= watermark && !p.known[node]) {
      p.known[node] = true;
      if (--p.missing == 0) {
        p.done = now;
        pending[i] = pending.back();
        pending.pop_back();
        continue;
      }
    }
    ++i;
  }
  if (pending.empty()) std::erase(pending_origins_, origin);
}

std::vector<int64_t> ConvergenceTracker::Durations(int64_t end) const {
  std::vector<int64_t> out;
  out.reserve(probes_.size());
  for (const Probe& p : probes_) out.push_back((p.done < 0 ? end : p.done) - p.start);
  return out;
}

size_t ConvergenceTracker::unconverged() const {
  size_t n = 0;
  for (const auto& pending : pending_) n += pending.size();
  return n;
}

int64_t OvershootTracker::Max(int64_t limit, int64_t window_ms, int64_t from, int64_t to) const {
  int64_t worst = 0;
  for (const auto& [at, admitted] : admitted_) {
    if (at.second >= from && at.second + window_ms <= to) worst = std::max(worst, admitted - limit);
  }
  return worst;
}

size_t OvershootTracker::Saturated(int64_t limit, int64_t window_ms, int64_t from,
                                   int64_t to) const {
  size_t n = 0;
  for (const auto& [at, admitted] : admitted_) {
    if (at.second >= from && at.second + window_ms <= to && admitted >= limit) ++n;
  }
  return n;
}

std::string FormatResultLine(const FleetResult& r) {
  return absl::StrFormat(
      "nodes=%d keys=%d converge_p50_ms=%d converge_p99_ms=%d bytes_per_node_s=%.0f "
      "state_bytes_per_node=%.0f overshoot_max=%d",
      r.nodes, r.keys, r.converge_p50_ms, r.converge_p99_ms, r.bytes_per_node_s,
      r.state_bytes_per_node, r.overshoot_max);
}

double EstimateStateBytes(size_t windows, double mean_key_bytes, size_t slots, size_t nodes_known) {
  return static_cast<double>(windows) * (250.0 + mean_key_bytes) +
         static_cast<double>(slots) * 40.0 + static_cast<double>(nodes_known) * 200.0;
}

}  // namespace sluice::fleet
