#include "ring_stats.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "mix64.h"

namespace sluice::fleet {
namespace {

// The owner's index in ring.peers(), by address; SIZE_MAX for an empty ring.
absl::flat_hash_map<std::string, size_t> IndexByAddress(const cluster::Ring& ring) {
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < ring.peers().size(); ++i) index[ring.peers()[i].grpc_address] = i;
  return index;
}

}  // namespace

std::vector<cluster::PeerInfo> SyntheticPeers(size_t nodes) {
  std::vector<cluster::PeerInfo> peers(nodes);
  for (size_t i = 0; i < nodes; ++i) {
    peers[i].grpc_address =
        absl::StrFormat("10.%d.%d.%d:1051", i / 65536, (i / 256) % 256, i % 256);
  }
  return peers;
}

std::vector<std::string> SyntheticKeys(size_t keys, bool random_ids) {
  std::vector<std::string> out(keys);
  for (size_t i = 0; i < keys; ++i) {
    if (!random_ids) {
      out[i] = absl::StrFormat("requests_per_second_account-%d", i);
      continue;
    }
    out[i] = absl::StrFormat("requests_per_second_account-%016x", Mix64(i));
  }
  return out;
}

Spread OwnershipSpread(const cluster::Ring& ring, const std::vector<std::string>& keys) {
  Spread s;
  if (ring.empty()) return s;
  const auto index = IndexByAddress(ring);
  std::vector<size_t> owned(ring.size(), 0);
  for (const std::string& key : keys) ++owned[index.at(ring.Owner(key)->grpc_address)];
  s.mean = static_cast<double>(keys.size()) / static_cast<double>(owned.size());
  s.min = *std::min_element(owned.begin(), owned.end());
  s.max = *std::max_element(owned.begin(), owned.end());
  double var = 0;
  for (size_t n : owned) var += (static_cast<double>(n) - s.mean) * (static_cast<double>(n) - s.mean);
  var /= static_cast<double>(owned.size());
  s.stddev_over_mean = s.mean > 0 ? std::sqrt(var) / s.mean : 0;
  return s;
}

Moved KeysMoved(const cluster::Ring& before, const cluster::Ring& after,
                const std::vector<std::string>& keys) {
  Moved m;
  if (keys.empty()) return m;
  absl::flat_hash_set<std::string> in_before;
  absl::flat_hash_set<std::string> in_after;
  for (const auto& p : before.peers()) in_before.insert(p.grpc_address);
  for (const auto& p : after.peers()) in_after.insert(p.grpc_address);
  size_t moved = 0;
  for (const std::string& key : keys) {
    const cluster::PeerInfo* a = before.Owner(key);
    const cluster::PeerInfo* b = after.Owner(key);
    if (a == nullptr || b == nullptr || a->grpc_address == b->grpc_address) continue;
    ++moved;
    if (in_after.contains(a->grpc_address) && in_before.contains(b->grpc_address)) {
      ++m.between_others;
    }
  }
  m.fraction = static_cast<double>(moved) / static_cast<double>(keys.size());
  return m;
}

Forwarding ForwardFanOut(const cluster::Ring& ring, const std::vector<std::string>& keys,
                         const Zipf& zipf, double rate_per_s, int64_t seconds,
                         int64_t batch_wait_us, uint64_t seed) {
  Forwarding f;
  const size_t n = ring.size();
  if (n == 0 || keys.empty() || rate_per_s <= 0 || seconds <= 0) return f;
  const auto index = IndexByAddress(ring);
  std::vector<size_t> owner(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) owner[k] = index.at(ring.Owner(keys[k])->grpc_address);

  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(rate_per_s / 1e6);  // µs between requests
  std::uniform_int_distribution<size_t> node_of(0, n - 1);
  uint64_t requests = 0;
  uint64_t forwarded = 0;
  uint64_t batches = 0;
  double peers_sum = 0;
  double senders_sum = 0;
  double t = 0;
  for (int64_t second = 0; second < seconds; ++second) {
    std::vector<absl::flat_hash_set<size_t>> to(n);    // per node: owners forwarded to
    std::vector<absl::flat_hash_set<size_t>> from(n);  // per owner: nodes forwarding to it
    // Open batch per (node, owner): the wait it falls in; a new wait is a new batch.
    absl::flat_hash_map<std::pair<size_t, size_t>, int64_t> open;
    const double end = static_cast<double>(second + 1) * 1e6;
    for (t += gap(rng); t < end; t += gap(rng)) {
      ++requests;
      const size_t node = node_of(rng);
      const size_t key = std::min(zipf.Draw(rng), keys.size() - 1);
      if (owner[key] == node) continue;
      ++forwarded;
      to[node].insert(owner[key]);
      from[owner[key]].insert(node);
      auto [it, fresh] = open.try_emplace({node, owner[key]}, static_cast<int64_t>(t));
      if (fresh || t >= static_cast<double>(it->second + batch_wait_us)) {
        it->second = static_cast<int64_t>(t);
        ++batches;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      peers_sum += static_cast<double>(to[i].size());
      senders_sum += static_cast<double>(from[i].size());
      f.peers_per_node_s_max = std::max(f.peers_per_node_s_max, to[i].size());
      f.senders_per_node_s_max = std::max(f.senders_per_node_s_max, from[i].size());
    }
  }
  const double node_seconds = static_cast<double>(n) * static_cast<double>(seconds);
  f.forwarded_fraction = requests ? static_cast<double>(forwarded) / static_cast<double>(requests) : 0;
  f.peers_per_node_s = peers_sum / node_seconds;
  f.senders_per_node_s = senders_sum / node_seconds;
  f.items_per_batch = batches ? static_cast<double>(forwarded) / static_cast<double>(batches) : 0;
  return f;
}

}  // namespace sluice::fleet
