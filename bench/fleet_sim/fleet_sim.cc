#include "fleet_sim.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "core/rate_limit.h"
#include "mesh/codec.h"
#include "mesh/counter_table.h"
#include "mesh/decision.h"
#include "mesh/gossip_engine.h"
#include "mesh/mesh_options.h"
#include "mix64.h"
#include "step_pool.h"
#include "zipf.h"

namespace sluice::fleet {
namespace {

using mesh::Outgoing;

// A datagram in flight: its packet, parsed once, and the size its receiver is told (the packet's
// as it arrives, plus frame header and checksum), taken when it is sent so that neither side
// measures the packet a second time.
struct Datagram {
  std::unique_ptr<mesh::wire::Packet> packet;
  size_t received_bytes = 0;
};

// An engine call, and so what sent a datagram: Push, Round (syns) or Receive (answers,
// challenges). Indexes bytes_by_cause_.
enum Call { kPush = 0, kRound = 1, kReceive = 2 };

// A datagram ready for SimNetwork: prepared by the sender's task, sent in the serial phase.
struct Prepared {
  size_t to = 0;
  Datagram datagram;
  size_t sent_bytes = 0;  // what the sender is charged: the real datagram's size
};

// One engine call due this step and what came of it. The node's task fills in `sends` and
// `watermarks`; the serial phase applies them in the order of the calls (see Fleet::Step).
struct Work {
  Call call = kPush;
  size_t node = 0;
  Datagram arrival;  // kReceive: the datagram received (freed by the task)
  std::vector<Prepared> sends;
  // kReceive: (origin, this node's watermark of it) after the packet, for origins with a probe
  // pending: what ConvergenceTracker::Observe is told.
  std::vector<std::pair<size_t, uint64_t>> watermarks;
};

constexpr int64_t kStart = 1'700'000'000'000;  // epoch ms, on a window boundary
constexpr char kName[] = "fleet";               // rule name: keys are "fleet_k<rank>"
constexpr char kClusterId[] = "sluice";         // MeshOptions' default

// A node's names. They travel in every digest and delta, so their lengths matter: kPods gives
// node ids of 16 characters (sluice's default is 16 hex digits) and pod-like IPv4 addresses;
// kLoopback names nodes as tests/integration/mesh_harness.h does ("n<i>", 127.0.0.1 and
// five-digit ports), for the comparison with real processes.
struct Names {
  std::string node_id;
  std::string mesh;
  std::string grpc;
  std::string http;
};
Names NamesOf(size_t i, NameStyle style) {
  if (style == NameStyle::kLoopback) {
    return Names{absl::StrFormat("n%d", i), absl::StrFormat("127.0.0.1:%d", 30000 + i),
                 absl::StrFormat("127.0.0.1:%d", 40000 + i), absl::StrFormat("127.0.0.1:%d", 50000 + i)};
  }
  const std::string host = absl::StrFormat("10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
  return Names{absl::StrFormat("%016x", Mix64(i)), host + ":7946", host + ":1051", host + ":1050"};
}

struct Node {
  std::string address;  // mesh address
  mesh::OriginId origin;
  std::unique_ptr<mesh::CounterTable> table;
  std::unique_ptr<mesh::GossipEngine> engine;
  bool push_pending = false;
  int64_t last_push = INT64_MIN / 2;
  int64_t push_at = 0;          // when the pending push is due
  bool push_unqueued = false;   // a task made a push pending; the serial phase queues it
  uint64_t bytes_sent = 0;
  double peak_state_bytes = 0;
  // Peers judged suspect and dead here at the last SampleState.
  size_t suspects = 0;
  size_t deaths = 0;
};

// Min-heap of (time, node): rounds and pushes due.
using Timers = std::priority_queue<std::pair<int64_t, size_t>, std::vector<std::pair<int64_t, size_t>>,
                                   std::greater<>>;

class Fleet {
 public:
  explicit Fleet(const FleetOptions& o)
      : o_(o),
        net_(o.link, o.seed * 2 + 1),
        rng_(o.seed),
        zipf_(o.keys, o.zipf_exponent),
        codec_(kClusterId, ""),
        cluster_id_bytes_(ClusterIdBytes()),
        tracker_(o.nodes),
        pool_(o.threads) {
    mean_key_bytes_ = 0;
    for (size_t r = 0; r < o.keys; ++r) {
      mean_key_bytes_ += zipf_.Probability(r) * static_cast<double>(KeyOf(r).size() + 1 + sizeof(kName));
    }
    nodes_.resize(o.nodes);
    node_work_.resize(o.nodes);
    for (size_t i = 0; i < o.nodes; ++i) {
      mesh::MeshOptions m;
      const Names names = NamesOf(i, o.names);
      m.node_id = names.node_id;
      m.incarnation = kStart;  // epoch ms at start, as a real node: 6 bytes in every entry
      m.advertise_address = names.mesh;
      m.grpc_address = names.grpc;
      m.http_address = names.http;
      if (i > 0) m.seeds = {nodes_[0].address};
      m.gossip_interval_ms = o.gossip_interval_ms;
      m.fanout = o.fanout;
      m.push_interval_ms = o.push_interval_ms;
      m.suspicion_timeout_ms = o.suspicion_timeout_ms;
      m.gc_grace_ms = o.gc_grace_ms;
      m.probe_above_lives = o.probe_above_lives;
      m.rng_seed = o.seed * 1'000'003 + i + 1;
      Node& n = nodes_[i];
      n.address = names.mesh;
      by_address_[names.mesh] = i;
      n.origin = mesh::OriginId{m.node_id, m.incarnation};
      n.table = std::make_unique<mesh::CounterTable>(mesh::CounterOptionsFor(m));
      n.engine = std::make_unique<mesh::GossipEngine>(m, codec_.body_budget(), kStart, *n.table);
      // Each node starts its rounds at its own phase, as independent processes do.
      rounds_.push({kStart + std::uniform_int_distribution<int64_t>(1, o.gossip_interval_ms)(rng_), i});
    }
  }

  // The nodes (gigabytes at 1000 nodes) freed on the pool too.
  ~Fleet() {
    pool_.Run(nodes_.size(), [this](size_t i) {
      nodes_[i].engine.reset();  // before the table it refers to
      nodes_[i].table.reset();
    });
  }
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  FleetReport Run() {
    FleetReport report;
    now_ = kStart;
    // Warm-up: form the mesh, no traffic.
    const int64_t warmup_end = kStart + o_.max_warmup_ms;
    while (now_ < warmup_end) {
      Step(false);
      Progress("warm-up");
      if ((now_ - kStart) % o_.gossip_interval_ms == 0 && Formed()) {
        report.formed = true;
        break;
      }
    }
    report.warmup_ms = now_ - kStart;
    // Measurement from the next window boundary.
    while (now_ % o_.window_ms != 0) Step(false);
    measure_from_ = now_;
    const int64_t end = now_ + o_.duration_ms;
    const int64_t probe_until = end - std::min<int64_t>(2000, o_.duration_ms / 2);
    next_probe_ = now_;
    const uint64_t sent_before = net_.sent();
    const uint64_t lost_before = net_.lost();
    for (auto& n : nodes_) n.bytes_sent = 0;
    measuring_ = true;
    while (now_ < end) {
      probing_ = now_ < probe_until;
      Step(true);
      Progress("traffic");
      if ((now_ - measure_from_) % 1000 == 0) SampleState();
    }

    const double seconds = static_cast<double>(o_.duration_ms) / 1000.0;
    const double n = static_cast<double>(o_.nodes);
    uint64_t bytes = 0;
    double state = 0;
    for (const Node& node : nodes_) {
      bytes += node.bytes_sent;
      state += node.peak_state_bytes;
    }
    FleetResult& r = report.result;
    r.nodes = o_.nodes;
    r.keys = o_.keys;
    std::vector<int64_t> durations = tracker_.Durations(end);
    r.converge_p50_ms = Percentile(durations, 0.50);
    r.converge_p99_ms = Percentile(durations, 0.99);
    r.bytes_per_node_s = static_cast<double>(bytes) / n / seconds;
    r.state_bytes_per_node = state / n;
    r.overshoot_max = overshoot_.Max(o_.limit, o_.window_ms, measure_from_, end);
    report.probes = tracker_.probes();
    report.unconverged = tracker_.unconverged();
    report.requests = requests_;
    report.admitted = admitted_;
    report.saturated_windows = overshoot_.Saturated(o_.limit, o_.window_ms, measure_from_, end);
    report.datagrams = net_.sent() - sent_before;
    report.lost = net_.lost() - lost_before;
    report.datagrams_per_node_s = static_cast<double>(report.datagrams) / n / seconds;
    report.false_suspects = false_suspects_;
    report.false_deaths = false_deaths_;
    report.push_bytes_per_node_s = static_cast<double>(bytes_by_cause_[kPush]) / n / seconds;
    report.syn_bytes_per_node_s = static_cast<double>(bytes_by_cause_[kRound]) / n / seconds;
    report.reply_bytes_per_node_s = static_cast<double>(bytes_by_cause_[kReceive]) / n / seconds;
    return report;
  }

 private:
  static std::string KeyOf(size_t rank) { return absl::StrFormat("k%d", rank); }

  // One simulated ms: requests, then every engine call due — pushes, rounds, and a Receive for
  // each datagram arriving now — then what those calls sent goes to the network.
  //
  // Parallel within the step: a datagram sent now arrives at the earliest now + latency_ms, so
  // with links of 1 ms or more no call of this step depends on another node's call of this
  // step. Each node's calls (in the order below) run as one task on the pool, touching only
  // that node's engine, table and Work entries; nothing is sent until every task is done.
  // Then, serially and in the order the calls were listed (pushes and rounds as their heaps
  // give them, arrivals as the network hands them out), the sends go to SimNetwork and the
  // watermarks to the tracker — the order a serial loop would have used, so the result does
  // not depend on the thread count. With a latency of 0 ms a reply may arrive within the
  // same ms: it is received in another wave of the same step, after the first one's sends.
  void Step(bool traffic) {
    ++now_;
    if (traffic) Requests();
    while (!pushes_.empty() && pushes_.top().first <= now_) {
      const size_t i = pushes_.top().second;
      pushes_.pop();
      nodes_[i].push_pending = false;
      nodes_[i].last_push = now_;
      Due(kPush, i);
    }
    while (!rounds_.empty() && rounds_.top().first <= now_) {
      auto [at, i] = rounds_.top();
      rounds_.pop();
      Due(kRound, i);
      rounds_.push({at + o_.gossip_interval_ms, i});
    }
    do {
      while (auto arrival = net_.Pop(now_)) {
        Due(kReceive, arrival->to).arrival = std::move(arrival->payload);
      }
      RunCalls();
      ApplyCalls();
    } while (net_.NextAt().value_or(now_ + 1) <= now_);
  }

  Work& Due(Call call, size_t node) {
    Work& w = work_.emplace_back();
    w.call = call;
    w.node = node;
    return w;
  }

  // Every node's due calls, one task per node, on the pool.
  void RunCalls() {
    active_.clear();
    for (size_t k = 0; k < work_.size(); ++k) {
      std::vector<size_t>& calls = node_work_[work_[k].node];
      if (calls.empty()) active_.push_back(work_[k].node);
      calls.push_back(k);
    }
    pool_.Run(active_.size(), [this](size_t a) {
      const size_t i = active_[a];
      for (size_t k : node_work_[i]) RunCall(work_[k]);
      node_work_[i].clear();
    });
  }

  // On the node's task: touches only nodes_[w.node] and `w` (and reads what no task writes).
  void RunCall(Work& w) {
    Node& node = nodes_[w.node];
    switch (w.call) {
      case kPush:
        Prepare(node.engine->Push(now_), w);
        return;
      case kRound:
        Prepare(node.engine->Round(now_), w);
        return;
      case kReceive:
        break;
    }
    Prepare(node.engine->Receive(std::move(*w.arrival.packet), w.arrival.received_bytes, now_).replies,
            w);
    w.arrival.packet.reset();
    // Relays (as Mesh::OnDatagram); queued on pushes_ by the serial phase.
    if (node.engine->HasRelays() && MakePushPending(node)) node.push_unqueued = true;
    // The probes that may have converged here: those of the origins the packet merged (only they
    // moved a watermark), found through their member entries, which the merge has just touched;
    // the packet's own copies of the ids are cold by now. The tracker is read-only while tasks
    // run: a probe that converges earlier in this step's serial phase makes the watermark a no-op
    // there, as Observe wants.
    const std::vector<size_t>& pending = tracker_.pending_origins();
    if (pending.empty()) return;
    for (const mesh::Member* member : node.engine->merged_members()) {
      if (member == nullptr) continue;
      for (size_t o : pending) {
        if (member->info.id == nodes_[o].origin) {
          w.watermarks.emplace_back(o, node.table->Watermark(nodes_[o].origin, member->counters));
        }
      }
    }
  }

  // Serially, in call order: sends, byte counts, convergence, and the pushes tasks made pending.
  void ApplyCalls() {
    for (Work& w : work_) {
      for (Prepared& p : w.sends) {
        if (measuring_) {
          nodes_[w.node].bytes_sent += p.sent_bytes;
          bytes_by_cause_[w.call] += p.sent_bytes;
        }
        net_.Send(w.node, p.to, std::move(p.datagram), now_);
      }
      for (const auto& [origin, watermark] : w.watermarks) {
        tracker_.Observe(w.node, origin, watermark, now_);
      }
    }
    // pushes_ orders by (time, node): the order pushed in does not matter.
    for (size_t i : active_) {
      Node& node = nodes_[i];
      if (!node.push_unqueued) continue;
      node.push_unqueued = false;
      pushes_.push({node.push_at, i});
    }
    work_.clear();
  }

  void Requests() {
    const int count = std::poisson_distribution<int>(o_.rate_per_s / 1000.0)(rng_);
    for (int c = 0; c < count; ++c) {
      const size_t i = std::uniform_int_distribution<size_t>(0, o_.nodes - 1)(rng_);
      const size_t rank = zipf_.Draw(rng_);
      core::RateLimitRequest req;
      req.name = kName;
      req.unique_key = KeyOf(rank);
      req.hits = 1;
      req.limit = o_.limit;
      req.duration = o_.window_ms;
      req.algorithm = static_cast<int32_t>(core::Algorithm::kFixedWindow);
      Node& node = nodes_[i];
      const core::RateLimitResponse resp = mesh::Decide(*node.table, req, now_);
      ++requests_;
      if (!resp.error.empty() || resp.status != core::Status::kUnderLimit) continue;
      ++admitted_;
      overshoot_.Admit(rank, now_ / o_.window_ms * o_.window_ms, 1);
      if (probing_ && now_ >= next_probe_) {
        tracker_.Start(i, node.table->Watermark(node.origin), now_);
        next_probe_ = now_ + o_.probe_interval_ms;
      }
      if (MakePushPending(node)) pushes_.push({node.push_at, i});
    }
  }

  // As Mesh::RequestPush: leading edge, at most one push per interval. Returns whether a push
  // became pending (due at node.push_at); the caller queues it.
  bool MakePushPending(Node& node) const {
    if (o_.push_interval_ms <= 0 || node.push_pending) return false;
    node.push_pending = true;
    node.push_at = std::max(now_, node.last_push + o_.push_interval_ms);
    return true;
  }

  // On the sender's task: each datagram's receiver and sizes (and, with `codec`, its trip
  // through the real Codec).
  void Prepare(std::vector<Outgoing> out, Work& w) const {
    for (Outgoing& o : out) {
      auto found = by_address_.find(o.address);
      if (found == by_address_.end()) continue;
      Prepared p;
      p.to = found->second;
      if (o_.codec) {
        const std::string encoded = codec_.Encode(o.packet);
        p.sent_bytes = encoded.size();
        mesh::Decoded decoded = codec_.Decode(encoded);
        if (!decoded.packet) continue;
        p.datagram.received_bytes = FramedBytes(decoded.packet->ByteSizeLong());
        p.datagram.packet = std::make_unique<mesh::wire::Packet>(std::move(*decoded.packet));
      } else {
        // The receiver is told the size without the cluster id (it travels as a parsed packet);
        // the sender is charged the real datagram's. Top-level fields add up, so one
        // ByteSizeLong gives both.
        p.datagram.received_bytes = FramedBytes(o.packet.ByteSizeLong());
        p.sent_bytes = p.datagram.received_bytes + cluster_id_bytes_;
        p.datagram.packet = std::make_unique<mesh::wire::Packet>(std::move(o.packet));
      }
      w.sends.push_back(std::move(p));
    }
  }

  static size_t FramedBytes(size_t packet_bytes) {
    return mesh::kFrameHeaderBytes + packet_bytes + mesh::kChecksumBytes;
  }
  // What the cluster id adds to a packet: the bytes of a packet holding nothing else.
  static size_t ClusterIdBytes() {
    mesh::wire::Packet only_cluster_id;
    only_cluster_id.set_cluster_id(kClusterId);
    return only_cluster_id.ByteSizeLong();
  }

  void Progress(const char* phase) {
    if (!o_.progress || (now_ - kStart) % 1000 != 0) return;
    size_t members = 0;
    for (const Node& n : nodes_) members += PeerCount(*n.engine);
    o_.progress(absl::StrFormat("t=%ds %s: members/node %.1f, datagrams sent %d, in flight %d",
                                (now_ - kStart) / 1000, phase,
                                static_cast<double>(members) / static_cast<double>(nodes_.size()),
                                net_.sent(), net_.in_flight()));
  }

  bool Formed() const {
    // A node that knows fewer than N lives cannot count N members: that O(1) test first, so the
    // member tables are scanned only once every node knows every life.
    for (const Node& n : nodes_) {
      if (n.engine->members().entries().size() < nodes_.size()) return false;
    }
    for (const Node& n : nodes_) {
      if (PeerCount(*n.engine) < nodes_.size()) return false;
    }
    return true;
  }

  // engine.Peers().size() without building the list (N PeerInfos a node, for every node every
  // gossip interval of the warm-up): the members with a gRPC address, as Peers() lists them.
  static size_t PeerCount(const mesh::GossipEngine& engine) {
    const mesh::MemberTable& members = engine.members();
    size_t n = 0;
    for (const auto& [id, member] : members.entries()) {
      n += members.IsMember(member) && !member.info.grpc_address.empty() ? 1 : 0;
    }
    return n;
  }

  // Each node's member table scanned on the pool (N² entries in all), the sums taken here.
  void SampleState() {
    pool_.Run(nodes_.size(), [this](size_t i) {
      Node& n = nodes_[i];
      n.suspects = 0;
      n.deaths = 0;
      for (const auto& [id, member] : n.engine->members().entries()) {
        n.suspects += member.state == mesh::NodeState::kSuspect ? 1 : 0;
        n.deaths += member.state == mesh::NodeState::kDead ? 1 : 0;
      }
      const double bytes = EstimateStateBytes(n.table->windows(), mean_key_bytes_, n.table->slots(),
                                              n.engine->members().entries().size());
      n.peak_state_bytes = std::max(n.peak_state_bytes, bytes);
    });
    size_t suspects = 0;
    size_t deaths = 0;
    for (const Node& n : nodes_) {
      suspects += n.suspects;
      deaths += n.deaths;
    }
    false_suspects_ = std::max(false_suspects_, suspects);
    false_deaths_ = std::max(false_deaths_, deaths);
  }

  const FleetOptions o_;
  SimNetwork<Datagram> net_;
  std::mt19937_64 rng_;
  Zipf zipf_;
  mesh::Codec codec_;
  const size_t cluster_id_bytes_;  // see ClusterIdBytes
  std::vector<Node> nodes_;
  absl::flat_hash_map<std::string, size_t> by_address_;
  Timers rounds_;
  Timers pushes_;
  ConvergenceTracker tracker_;
  OvershootTracker overshoot_;
  double mean_key_bytes_ = 0;
  int64_t now_ = kStart;
  int64_t measure_from_ = kStart;
  int64_t next_probe_ = 0;
  bool measuring_ = false;
  bool probing_ = false;
  uint64_t requests_ = 0;
  uint64_t admitted_ = 0;
  uint64_t bytes_by_cause_[3] = {0, 0, 0};  // by Call
  size_t false_suspects_ = 0;  // most (node, peer) pairs judged suspect at one sample
  size_t false_deaths_ = 0;    // most judged dead (every node lives throughout)
  // This step's calls (Step): in call order, and per node the indexes of its own.
  std::vector<Work> work_;
  std::vector<std::vector<size_t>> node_work_;
  std::vector<size_t> active_;  // nodes with calls, in order of their first call
  StepPool pool_;
};

}  // namespace

FleetReport RunFleet(const FleetOptions& options) {
  FleetOptions o = options;
  o.nodes = std::max<size_t>(o.nodes, 1);
  o.gossip_interval_ms = std::max<int64_t>(o.gossip_interval_ms, 1);
  o.window_ms = std::max<int64_t>(o.window_ms, 1);
  return Fleet(o).Run();
}

}  // namespace sluice::fleet
