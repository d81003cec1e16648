// FleetSim: N real mesh GossipEngines (src/mesh, used through their public interface only) in
// one process, on a SimNetwork and a simulated clock, under Zipf traffic (docs/mesh.md "At
// fleet scale", issue 23). Deterministic: the same options and seed give the same result.
//
// What runs is what a sidecar runs: each node is a CounterTable and a GossipEngine driven the
// way src/mesh/mesh.cc drives them — a round every gossip interval (each node with its own
// phase), a leading-edge push at most every push interval after a local admission, every
// returned packet sent — and requests are answered with mesh::Decide. The only shortcut: packets
// travel as parsed protobufs; their size is the framed datagram's (header + packet with the
// cluster id), and `codec` runs every packet through the real Codec instead (same result,
// slower).
//
// A run: nodes 1..N-1 are seeded with node 0 and join by gossip until every node sees all N
// (the warm-up, no traffic); then traffic at `rate_per_s` for `duration_ms`, measured.
// The nodes of one simulated ms run on `threads` threads; the result does not depend on how
// many (fleet_sim.cc, Fleet::Step). Runs share nothing: RunFleet may be called from several
// threads at once. FleetOptions::progress runs on the caller's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "fleet_metrics.h"
#include "sim_network.h"

namespace sluice::fleet {

enum class NameStyle { kPods, kLoopback };  // see NamesOf in fleet_sim.cc

struct FleetOptions {
  size_t nodes = 10;
  size_t keys = 10'000;
  double rate_per_s = 2000;     // requests per second over the whole fleet, Poisson
  double zipf_exponent = 1.0;
  int64_t limit = 100;          // every key: `limit` hits per window
  int64_t window_ms = 1000;
  int64_t duration_ms = 10'000;       // measured traffic
  int64_t max_warmup_ms = 60'000;     // give up forming the mesh after this
  int64_t probe_interval_ms = 20;     // one admission per interval is a convergence probe
  LinkModel link;
  uint64_t seed = 1;
  // Mesh settings (MeshOptions; defaults as sluice's).
  int64_t gossip_interval_ms = 100;
  int fanout = 3;
  int64_t push_interval_ms = 10;
  int64_t suspicion_timeout_ms = 3000;
  int64_t gc_grace_ms = 2000;
  size_t probe_above_lives = 128;  // MeshOptions::probe_above_lives (an engine setting)
  bool codec = false;
  NameStyle names = NameStyle::kPods;
  // Threads that run the nodes, the caller's included. Any count gives the same result.
  // Default: 1 (fleet_sim's --threads defaults to the cores, at most 8).
  int threads = 1;
  // Called once per simulated second with a one-line status (phase, members, datagrams); unset:
  // quiet.
  std::function<void(const std::string&)> progress;
};

struct FleetReport {
  FleetResult result;
  bool formed = false;            // every node saw all N before traffic started
  int64_t warmup_ms = 0;          // how long forming took
  size_t probes = 0;
  size_t unconverged = 0;         // probes some node had not learned by the end
  uint64_t requests = 0;
  uint64_t admitted = 0;
  size_t saturated_windows = 0;   // full windows that reached the limit (where overshoot shows)
  uint64_t datagrams = 0;         // sent during the measurement
  uint64_t lost = 0;
  double datagrams_per_node_s = 0;
  // bytes_per_node_s by what sent them: pushes, syns (rounds), answers to received packets.
  double push_bytes_per_node_s = 0;
  double syn_bytes_per_node_s = 0;
  double reply_bytes_per_node_s = 0;
  // Every node lives throughout, so any peer judged suspect or dead is a false alarm: the most
  // (node, peer) pairs so judged at one of the once-a-second samples of the traffic phase.
  size_t false_suspects = 0;
  size_t false_deaths = 0;
};

// Runs one simulation. Options are not validated beyond what the engine needs: nodes >= 1.
FleetReport RunFleet(const FleetOptions& options);

}  // namespace sluice::fleet
