// The mesh protocol in a simulated network: several GossipEngines exchanging real encoded
// datagrams through a queue that can lose, duplicate, reorder and partition them, on a manual
// clock. No sockets, no threads, no sleeps.
#include "mesh/gossip_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "mesh/codec.h"
#include "mesh/decision.h"

namespace sluice::mesh {
namespace {

constexpr int64_t kInterval = 100;
constexpr int64_t kSuspicion = 1000;
constexpr int64_t kHour = 3'600'000;

class Sim {
 public:
  explicit Sim(uint64_t seed = 1) : rng_(seed) {}

  GossipEngine& Add(const std::string& id, std::vector<std::string> seeds = {},
                    uint64_t incarnation = 1, std::string node_id_override = {}) {
    MeshOptions o;
    o.node_id = node_id_override.empty() ? id : node_id_override;
    o.incarnation = incarnation;
    o.advertise_address = id + ":7946";
    o.grpc_address = id + ":1051";
    o.seeds = std::move(seeds);
    o.gossip_interval_ms = kInterval;
    o.suspicion_timeout_ms = kSuspicion;
    o.gc_grace_ms = 500;
    o.rng_seed = rng_();
    o.probe_above_lives = probe_above_lives;
    auto& table = tables_[o.advertise_address];
    auto& slot = nodes_[o.advertise_address];
    slot.reset();  // before its table
    table = std::make_unique<CounterTable>(CounterOptionsFor(o));
    slot = std::make_unique<GossipEngine>(o, codec_.body_budget(), now_, *table);
    return *slot;
  }
  // Starts the first node, then the others seeded to it, and lets them gossip `steps` rounds.
  void Form(const std::vector<std::string>& ids, int steps = 3) {
    Add(ids[0]);
    for (size_t i = 1; i < ids.size(); ++i) Add(ids[i], {ids[0] + ":7946"});
    Steps(steps);
  }
  GossipEngine& At(const std::string& id) { return *nodes_.at(id + ":7946"); }
  void Crash(const std::string& id) {
    nodes_.erase(id + ":7946");
    tables_.erase(id + ":7946");
  }

  // One gossip interval: every node runs a round, then the network drains.
  void Step(bool push = true) {
    now_ += kInterval;
    for (auto& [address, node] : nodes_) Enqueue(node->Round(now_), address);
    if (push) {
      for (auto& [address, node] : nodes_) Enqueue(node->Push(now_), address);
    }
    Deliver();
  }
  void Steps(int n, bool push = true) {
    for (int i = 0; i < n; ++i) Step(push);
  }
  void PushAll() {
    for (auto& [address, node] : nodes_) Enqueue(node->Push(now_), address);
    Deliver();
  }
  void Leave(const std::string& id) {
    Enqueue(At(id).Leave(now_), id + ":7946");
    Crash(id);
    Deliver();
  }

  core::RateLimitResponse Hit(const std::string& id, const std::string& key, int64_t hits,
                              int64_t limit = 1'000'000'000, int64_t duration = kHour,
                              int32_t behavior = 0) {
    core::RateLimitRequest r;
    r.behavior = behavior;
    r.name = "n";
    r.unique_key = key;
    r.hits = hits;
    r.limit = limit;
    r.duration = duration;
    r.algorithm = static_cast<int32_t>(core::Algorithm::kFixedWindow);
    return Decide(*tables_.at(id + ":7946"), r, now_);
  }
  int64_t Total(const std::string& id, const std::string& key, int64_t duration = kHour) {
    return At(id).counters().Total(
        WindowKey{"n_" + key, now_ / duration * duration, now_ / duration * duration + duration});
  }
  size_t MemberCount(const std::string& id) { return At(id).Peers().size(); }

  void Block(const std::string& a, const std::string& b) {
    blocked_.insert({a + ":7946", b + ":7946"});
    blocked_.insert({b + ":7946", a + ":7946"});
  }
  void Heal() { blocked_.clear(); }

  double loss = 0;
  double duplication = 0;
  size_t probe_above_lives = MeshOptions{}.probe_above_lives;  // for nodes added from now on
  bool reorder = false;
  int64_t now_ = 1'700'000'000'000;
  size_t max_datagram = 0;
  uint64_t datagrams = 0;
  uint64_t split_digests = 0;  // digest parts that are not the last one
  uint64_t reply_digests = 0;  // digests answering a syn
  uint64_t reply_digest_entries = 0;
  uint64_t full_reply_digests = 0;  // of those, whole digests (not wants_only)
  uint64_t changed_only_syns = 0;   // syn parts listing only what changed (issue 23)
  size_t max_syn_entries = 0;       // most entries in one syn part
  uint64_t probes = 0;              // syns that ask for an answer (probing meshes)
  uint64_t suspect_entries = 0;     // digest entries that carry a suspicion

 private:
  struct Datagram {
    std::string from;
    std::string to;
    std::string bytes;
  };

  void Enqueue(std::vector<Outgoing> out, const std::string& from) {
    for (auto& o : out) {
      std::string bytes = codec_.Encode(o.packet);
      max_datagram = std::max(max_datagram, bytes.size());
      EXPECT_LE(bytes.size(), kMaxDatagramBytes);
      ++datagrams;
      if (o.packet.has_syn() && !o.packet.syn().range_end().empty()) ++split_digests;
      if (o.packet.has_syn()) {
        changed_only_syns += o.packet.syn().changed_only() ? 1 : 0;
        max_syn_entries =
            std::max(max_syn_entries, static_cast<size_t>(o.packet.syn().entries_size()));
        probes += o.packet.syn().probe() ? 1 : 0;
        for (const auto& entry : o.packet.syn().entries()) suspect_entries += entry.suspect();
      }
      if (o.packet.has_digest()) {
        ++reply_digests;
        reply_digest_entries += static_cast<uint64_t>(o.packet.digest().entries_size());
        if (!o.packet.digest().wants_only()) ++full_reply_digests;
      }
      queue_.push_back(Datagram{from, o.address, std::move(bytes)});
    }
  }

  void Deliver() {
    std::uniform_real_distribution<double> coin(0, 1);
    for (int guard = 0; !queue_.empty() && guard < 1'000'000; ++guard) {
      if (reorder) {
        std::swap(queue_.front(),
                  queue_[std::uniform_int_distribution<size_t>(0, queue_.size() - 1)(rng_)]);
      }
      Datagram d = std::move(queue_.front());
      queue_.pop_front();
      if (blocked_.contains({d.from, d.to}) || coin(rng_) < loss) continue;
      if (coin(rng_) < duplication) queue_.push_back(d);
      auto it = nodes_.find(d.to);
      if (it == nodes_.end()) continue;
      Decoded decoded = codec_.Decode(d.bytes);
      ASSERT_TRUE(decoded.packet.has_value()) << DropReasonName(decoded.reason);
      Enqueue(it->second->Receive(*decoded.packet, d.bytes.size(), now_).replies, d.to);
    }
  }

  std::mt19937_64 rng_;
 public:
  Codec codec_{"test", "a-shared-key-0123456789"};
 private:
  std::map<std::string, std::unique_ptr<CounterTable>> tables_;  // declared first: outlives nodes_
  std::map<std::string, std::unique_ptr<GossipEngine>> nodes_;
  std::deque<Datagram> queue_;
  std::set<std::pair<std::string, std::string>> blocked_;
};

TEST(GossipEngineTest, TwoNodesJoinAndShareCounts) {
  Sim sim;
  sim.Form({"a", "b"});
  EXPECT_EQ(sim.MemberCount("a"), 2u);
  EXPECT_EQ(sim.MemberCount("b"), 2u);
  sim.Hit("a", "k", 5);
  sim.Hit("b", "k", 3);
  sim.PushAll();
  EXPECT_EQ(sim.Total("a", "k"), 8) << "pushed at once";
  EXPECT_EQ(sim.Total("b", "k"), 8);
}

TEST(GossipEngineTest, AntiEntropyAloneConvergesWithinARound) {
  Sim sim;
  sim.Add("a");
  sim.Add("b", {"a:7946"});
  sim.Add("c", {"a:7946"});
  sim.Steps(5, /*push=*/false);
  ASSERT_EQ(sim.MemberCount("c"), 3u);
  sim.Hit("a", "k", 5);
  sim.Step(/*push=*/false);
  EXPECT_EQ(sim.Total("b", "k"), 5);
  EXPECT_EQ(sim.Total("c", "k"), 5);
}

TEST(GossipEngineTest, PeersListsEveryMemberWithItsGrpcAddress) {
  Sim sim;
  sim.Add("a");
  sim.Add("b", {"a:7946"});
  sim.Add("c", {"b:7946"});
  sim.Steps(5);
  auto peers = sim.At("c").Peers();
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0].grpc_address, "a:1051");
  EXPECT_FALSE(peers[0].is_self);
  EXPECT_EQ(peers[2].grpc_address, "c:1051");
  EXPECT_TRUE(peers[2].is_self);
  EXPECT_TRUE(sim.At("c").TakeMembershipChange());
  EXPECT_FALSE(sim.At("c").TakeMembershipChange());
}

TEST(GossipEngineTest, LocalDecisionsEnforceTheMeshWideTotal) {
  Sim sim;
  sim.Form({"a", "b"});
  EXPECT_EQ(sim.Hit("a", "k", 6, 10).status, core::Status::kUnderLimit);
  sim.PushAll();
  auto over = sim.Hit("b", "k", 5, 10);
  EXPECT_EQ(over.status, core::Status::kOverLimit);
  EXPECT_EQ(over.remaining, 4);
  EXPECT_EQ(sim.Hit("b", "k", 4, 10).remaining, 0);
}

TEST(GossipEngineTest, LossDuplicationAndReorderingNeverDoubleCount) {
  Sim sim(7);
  for (const char* id : {"a", "b", "c", "d"}) sim.Add(id, {"a:7946"});
  sim.Steps(10);
  sim.loss = 0.3;
  sim.duplication = 0.3;
  sim.reorder = true;
  std::mt19937 rng(3);
  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  std::map<std::string, int64_t> admitted;
  for (int step = 0; step < 60; ++step) {
    for (int i = 0; i < 5; ++i) {
      const std::string& id = ids[rng() % ids.size()];
      const std::string key = "k" + std::to_string(rng() % 7);
      const int64_t hits = 1 + rng() % 3;
      if (sim.Hit(id, key, hits).status == core::Status::kUnderLimit) admitted[key] += hits;
    }
    sim.Step();
    for (const auto& id : ids) {
      for (const auto& [key, total] : admitted) {
        ASSERT_LE(sim.Total(id, key), total) << "a node counted more than was admitted";
      }
    }
  }
  sim.loss = 0;
  sim.duplication = 0;
  sim.Steps(5);
  for (const auto& id : ids) {
    for (const auto& [key, total] : admitted) EXPECT_EQ(sim.Total(id, key), total) << id << key;
  }
}

TEST(GossipEngineTest, LargeDeltasAreSplitAcrossBoundedDatagrams) {
  Sim sim;
  sim.Add("a");
  sim.Steps(1);
  for (int i = 0; i < 3000; ++i) sim.Hit("a", "key-number-" + std::to_string(i), 1);
  sim.Add("b", {"a:7946"});  // joins late: everything arrives by anti-entropy
  int steps = 0;
  while (sim.At("b").counters().windows() < 3000 && steps < 50) {
    sim.Step();
    ++steps;
  }
  EXPECT_EQ(sim.At("b").counters().windows(), 3000u);
  EXPECT_LE(sim.max_datagram, kMaxDatagramBytes);
  EXPECT_GT(sim.max_datagram, kMaxDatagramBytes - 100) << "datagrams are filled";
  EXPECT_LE(steps, 10) << "about 32 datagrams per reply";
  for (int i = 0; i < 3000; i += 97) {
    EXPECT_EQ(sim.Total("b", "key-number-" + std::to_string(i)), 1);
  }
}

TEST(GossipEngineTest, ADeadNodesSlotKeepsCountingUntilItsWindowEnds) {
  Sim sim;
  sim.Form({"a", "b", "c"});
  const int64_t window = 10'000;
  sim.now_ = sim.now_ / window * window;  // the start of a window
  sim.Hit("b", "k", 7, 100, window);
  sim.Step();
  ASSERT_GT(sim.At("a").counters().Watermark(OriginId{"b", 1}), 0u);
  sim.Crash("b");
  sim.Steps(static_cast<int>(2 * kSuspicion / kInterval) + 5);
  EXPECT_EQ(sim.MemberCount("a"), 2u) << "b is dead";
  EXPECT_EQ(sim.Total("a", "k", window), 7) << "but its hits still count";
  EXPECT_EQ(sim.Hit("c", "k", 94, 100, window).status, core::Status::kOverLimit);
  sim.Steps(static_cast<int>(window / kInterval));
  EXPECT_EQ(sim.At("a").counters().windows(), 0u) << "collected after the window ended";
  EXPECT_EQ(sim.At("c").counters().windows(), 0u);

  // Its slots gone, the dead life is forgotten after forget_after (10 T), and with it everything
  // the engine kept of it.
  sim.Steps(static_cast<int>(10 * kSuspicion / kInterval) + 2);
  EXPECT_EQ(sim.At("a").members().Find(OriginId{"b", 1}), nullptr);
  EXPECT_EQ(sim.At("a").stats().nodes_forgotten, 1u);
  EXPECT_EQ(sim.At("a").counters().Watermark(OriginId{"b", 1}), 0u) << "its origin forgotten";
}

// RESET_REMAINING on one node clears the key on every node (docs/mesh.md, "Reset"), by push and
// by anti-entropy alone, through loss, duplication and reordering, and nothing cleared comes
// back.
TEST(GossipEngineTest, AResetOnOneNodeReachesEveryNode) {
  for (const bool push : {true, false}) {
    SCOPED_TRACE(push ? "push" : "anti-entropy only");
    Sim sim(11);
    const std::vector<std::string> ids = {"a", "b", "c"};
    sim.Form(ids, 5);
    for (const auto& id : ids) ASSERT_EQ(sim.Hit(id, "k", 3, 9).status, core::Status::kUnderLimit);
    sim.Steps(2, push);
    for (const auto& id : ids) ASSERT_EQ(sim.Hit(id, "k", 1, 9).status, core::Status::kOverLimit);
    sim.loss = 0.3;
    sim.duplication = 0.3;
    sim.reorder = true;
    EXPECT_EQ(sim.Hit("b", "k", 0, 9, kHour, core::behavior::kResetRemaining).remaining, 9);
    int steps = 0;
    auto cleared = [&] {
      return std::all_of(ids.begin(), ids.end(), [&](const auto& id) {
        return sim.Total(id, "k") == 0;
      });
    };
    while (!cleared() && steps < 30) {
      sim.Step(push);
      ++steps;
      for (const auto& id : ids) ASSERT_LE(sim.Total(id, "k"), 9) << "never more than before";
    }
    EXPECT_TRUE(cleared()) << "after " << steps << " rounds";
    sim.loss = 0;
    sim.duplication = 0;
    sim.reorder = false;
    for (const auto& id : ids) EXPECT_EQ(sim.Hit(id, "k", 3, 9).status, core::Status::kUnderLimit);
    sim.Steps(3, push);
    for (const auto& id : ids) {
      EXPECT_EQ(sim.Total(id, "k"), 9) << id << ": the new hits, and nothing cleared";
      EXPECT_EQ(sim.Hit(id, "k", 1, 9).status, core::Status::kOverLimit);
    }
  }
}

TEST(GossipEngineTest, ARestartedNodeRejoinsAndItsOldLifeStillCounts) {
  Sim sim;
  sim.Add("a");
  sim.Add("b", {"a:7946"}, /*incarnation=*/100);
  sim.Steps(3);
  sim.Hit("b", "k", 5);
  sim.Step();
  ASSERT_EQ(sim.Total("a", "k"), 5);
  sim.Crash("b");
  sim.Steps(2);
  sim.Add("b", {"a:7946"}, /*incarnation=*/200);  // same node id, new life, empty state
  sim.Steps(3);
  EXPECT_EQ(sim.Total("b", "k"), 5) << "learns its previous life's hits from peers";
  sim.Hit("b", "k", 2);
  sim.Step();
  EXPECT_EQ(sim.Total("a", "k"), 7) << "peers accept the new life's state";
  auto peers = sim.At("a").Peers();
  EXPECT_EQ(peers.size(), 2u);
  const Member* old_life = sim.At("a").members().Find(OriginId{"b", 100});
  ASSERT_NE(old_life, nullptr);
  EXPECT_EQ(old_life->state, NodeState::kSuperseded);
}

TEST(GossipEngineTest, GracefulLeaveIsSeenAtOnceAndSlotsStillCount) {
  Sim sim;
  sim.Form({"a", "b", "c"});
  sim.Hit("b", "k", 4);
  sim.Leave("b");
  sim.Step();
  EXPECT_EQ(sim.MemberCount("a"), 2u);
  EXPECT_EQ(sim.MemberCount("c"), 2u);
  EXPECT_EQ(sim.Total("a", "k"), 4) << "the leave pushed the last hits";
  EXPECT_EQ(sim.Total("c", "k"), 4);
}

TEST(GossipEngineTest, PartitionedSidesKeepDecidingAndConvergeAfterHealing) {
  Sim sim;
  for (const char* id : {"a", "b", "c"}) sim.Add(id, {"a:7946", "b:7946"});
  sim.Steps(5);
  sim.Block("a", "b");
  sim.Block("a", "c");
  sim.Hit("a", "k", 3);
  sim.Hit("b", "k", 4);
  sim.Steps(static_cast<int>(3 * kSuspicion / kInterval));  // long enough to declare deaths
  EXPECT_EQ(sim.Total("a", "k"), 3);
  EXPECT_EQ(sim.Total("c", "k"), 4);
  EXPECT_EQ(sim.MemberCount("a"), 1u);
  EXPECT_EQ(sim.MemberCount("b"), 2u);
  sim.Heal();
  sim.Steps(15);
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_EQ(sim.Total(id, "k"), 7) << id;
    EXPECT_EQ(sim.MemberCount(id), 3u) << id;
  }
}

TEST(GossipEngineTest, BigMeshesSplitDigestsAndStillConverge) {
  Sim sim;
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back("a-rather-long-node-name-to-fill-digests-" + std::to_string(100 + i));
  }
  for (const auto& id : ids) sim.Add(id, {ids[0] + ":7946"});
  auto converged = [&] {
    for (const auto& id : ids) {
      if (sim.MemberCount(id) != ids.size()) return false;
    }
    return true;
  };
  for (int step = 0; step < 30 && !converged(); ++step) sim.Step();
  for (const auto& id : ids) EXPECT_EQ(sim.MemberCount(id), ids.size()) << id;
  // A digest too large for one datagram is not split but sent changed-only (issue 23).
  EXPECT_GT(sim.changed_only_syns, 0u) << "digests fit one datagram; use longer ids";
  EXPECT_LE(sim.max_datagram, kMaxDatagramBytes);
  sim.Hit(ids[5], "k", 1);
  sim.Hit(ids[29], "k", 1);
  // Anti-entropy alone, with changed-only syns, is rumor spreading: ≈ log₄ 30 + 2 rounds (this
  // seed: 1, 4, 13, 23, 29, 30 nodes after each round; whole digests took at most 5).
  sim.Steps(8, /*push=*/false);
  for (const auto& id : ids) EXPECT_EQ(sim.Total(id, "k"), 2) << id;
}

// A syn is answered with what the receiver lacks, not with its whole digest: a converged, idle
// mesh sends no digest answers at all, and a hit travels in answers that list only its origin.
TEST(GossipEngineTest, ASynIsAnsweredWithWhatTheReceiverLacksNotItsWholeDigest) {
  Sim sim;
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back("node-with-a-long-name-" + std::to_string(100 + i));
  sim.Form(ids, 15);
  for (const auto& id : ids) ASSERT_EQ(sim.MemberCount(id), ids.size()) << id;
  sim.reply_digests = sim.reply_digest_entries = sim.full_reply_digests = 0;
  sim.Steps(3, /*push=*/false);
  EXPECT_EQ(sim.reply_digests, 0u) << "nobody lacks anything, so nobody answers with a digest";

  sim.Hit(ids[0], "k", 5);
  for (int step = 0; step < 3; ++step) sim.Step(/*push=*/false);
  for (const auto& id : ids) EXPECT_EQ(sim.Total(id, "k"), 5) << id;
  EXPECT_GT(sim.reply_digests, 0u) << "the hit was asked for";
  EXPECT_EQ(sim.full_reply_digests, 0u);
  // Each answer: the receiver's own entry and the one origin it lacked.
  EXPECT_LE(sim.reply_digest_entries, 2 * sim.reply_digests);
}

// Above one datagram of digest, a syn lists what changed (and a slice), not every node (issue
// 23): a syn costs the same at any size, heartbeats still keep everyone alive, and a hit still
// reaches every node by anti-entropy alone.
TEST(GossipEngineTest, BigMeshesSynWhatChangedNotEveryNode) {
  Sim sim;
  std::vector<std::string> ids;
  for (int i = 0; i < 80; ++i) ids.push_back("node-with-a-long-name-" + std::to_string(100 + i));
  sim.Form(ids, 30);
  for (const auto& id : ids) ASSERT_EQ(sim.MemberCount(id), ids.size()) << id;
  sim.changed_only_syns = sim.max_syn_entries = 0;
  // Three suspicion timeouts without traffic: only listed heartbeats keep nodes alive.
  sim.Steps(static_cast<int>(3 * kSuspicion / kInterval));
  EXPECT_GT(sim.changed_only_syns, 0u);
  EXPECT_LT(sim.max_syn_entries, ids.size() / 2) << "an idle syn lists a fraction of the mesh";
  for (const auto& id : ids) {
    EXPECT_EQ(sim.MemberCount(id), ids.size()) << id;
    for (const auto& [origin, member] : sim.At(id).members().entries()) {
      EXPECT_EQ(member.state, NodeState::kAlive) << id << " judges " << origin.node_id;
    }
  }
  sim.Hit(ids[7], "k", 3);
  sim.Hit(ids[61], "k", 4);
  sim.Steps(10, /*push=*/false);  // rumor spreading, then slices for the few it missed
  for (const auto& id : ids) EXPECT_EQ(sim.Total(id, "k"), 7) << id;
}

// Above probe_above_lives (docs/mesh.md §4 "Probing"), heartbeats are no longer relayed:
// syns are probes that are always answered, an idle syn lists this node and a slice only, and
// nobody is suspected for being unheard.
TEST(GossipEngineTest, ProbingMeshesStayAliveWithoutRelayingHeartbeats) {
  Sim sim;
  sim.probe_above_lives = 8;
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back("node-with-a-long-name-" + std::to_string(100 + i));
  sim.Form(ids, 30);
  for (const auto& id : ids) ASSERT_EQ(sim.MemberCount(id), ids.size()) << id;
  sim.Steps(5);  // the listings of forming age out
  sim.max_syn_entries = sim.probes = sim.suspect_entries = 0;
  sim.Steps(static_cast<int>(3 * kSuspicion / kInterval));
  EXPECT_GT(sim.probes, 0u);
  EXPECT_LE(sim.max_syn_entries, 1 + kSliceEntries) << "an idle syn: this node and a slice";
  EXPECT_EQ(sim.suspect_entries, 0u);
  for (const auto& id : ids) {
    EXPECT_EQ(sim.MemberCount(id), ids.size()) << id;
    for (const auto& [origin, member] : sim.At(id).members().entries()) {
      EXPECT_EQ(member.state, NodeState::kAlive) << id << " judges " << origin.node_id;
    }
  }
}

// A node that answers no probe is suspected by its prober, the suspicion spreads as a rumor to
// nodes that never probed it, and its next packets refute it everywhere; one that stays silent
// is dead T after the suspicion.
TEST(GossipEngineTest, UnansweredProbesSpreadASuspicionThatTheNodeRefutesOrDiesOf) {
  Sim sim;
  sim.probe_above_lives = 8;
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back("n" + std::to_string(100 + i));
  sim.Form(ids, 20);
  for (const auto& id : ids) ASSERT_EQ(sim.MemberCount(id), ids.size()) << id;
  const std::string& lost = ids[7];
  auto states = [&](NodeState state) {
    size_t count = 0;
    for (const auto& id : ids) {
      if (id == lost) continue;
      for (const auto& [origin, member] : sim.At(id).members().entries()) {
        count += origin.node_id == lost && member.state == state ? 1 : 0;
      }
    }
    return count;
  };
  for (const auto& id : ids) {
    if (id != lost) sim.Block(lost, id);
  }
  // Suspected after kProbeAttempts unanswered probes; T (10 rounds) is not over yet.
  sim.Steps(kProbeAttempts + 6);
  EXPECT_EQ(states(NodeState::kSuspect), ids.size() - 1) << "the suspicion reached everyone";
  EXPECT_GT(sim.suspect_entries, 0u) << "it travelled as a listed suspicion";
  EXPECT_EQ(states(NodeState::kDead), 0u);
  sim.Heal();
  sim.Steps(5);
  EXPECT_EQ(states(NodeState::kAlive), ids.size() - 1) << "its heartbeat refuted the suspicion";

  sim.Crash(lost);
  sim.Steps(kProbeAttempts + 4 + static_cast<int>(kSuspicion / kInterval) + 1);
  EXPECT_EQ(states(NodeState::kDead), ids.size() - 1);
  for (const auto& id : ids) {
    if (id != lost) {
      EXPECT_EQ(sim.MemberCount(id), ids.size() - 1) << id;
    }
  }
}

// Forms a probing mesh (probe_above_lives 8) of `n` nodes "n100", "n101", …: every node a
// member everywhere (a failure otherwise).
std::vector<std::string> FormProbingMesh(Sim& sim, int n) {
  sim.probe_above_lives = 8;
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back("n" + std::to_string(100 + i));
  sim.Form(ids, 20);
  for (const auto& id : ids) EXPECT_EQ(sim.MemberCount(id), ids.size()) << id;
  return ids;
}

// Probing meshes relay pushes along the ring of members (docs/mesh.md §3 "Relayed pushes"):
// the origin sends log₂ N datagrams, not N − 1, and the update reaches every node, the farthest
// log₂ N hops away, each hop waiting for the relay's next push.
TEST(GossipEngineTest, ProbingMeshesRelayPushesAlongTheRingToEveryNode) {
  Sim sim;
  const std::vector<std::string> ids = FormProbingMesh(sim, 40);
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the mesh formed";
  sim.Steps(2);  // every ring holds every member (rings are rebuilt each round)
  for (const auto& id : ids) EXPECT_EQ(sim.At(id).ring_size(), ids.size()) << id;
  sim.Hit(ids[13], "k", 3);
  sim.datagrams = 0;
  sim.PushAll();
  EXPECT_EQ(sim.datagrams, 6u) << "to the members 1, 2, 4, 8, 16 and 32 places on";
  size_t hops = 1;
  auto reached = [&] {
    size_t count = 0;
    for (const auto& id : ids) count += sim.Total(id, "k") == 3 ? 1 : 0;
    return count;
  };
  for (; hops < 10 && reached() < ids.size(); ++hops) sim.PushAll();
  EXPECT_EQ(reached(), ids.size());
  EXPECT_LE(hops, 6u) << "log₂ 40 hops, rounded up";
  EXPECT_GT(hops, 2u) << "relayed, not sent to everyone";
}

// A relayed datagram that is lost is sent again once its ack is overdue: its receiver's whole
// span depends on it. Acknowledged ones are not sent again.
TEST(GossipEngineTest, ALostRelayIsSentAgainUntilAcknowledged) {
  Sim sim;
  const std::vector<std::string> ids = FormProbingMesh(sim, 40);
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the mesh formed";
  sim.Steps(2);  // every ring holds every member
  sim.Hit("n113", "k", 3);
  sim.Block("n113", "n114");  // n114 is next on the ring: the relay to it covers it alone
  for (int hop = 0; hop < 8; ++hop) sim.PushAll();
  for (const auto& id : ids) EXPECT_EQ(sim.Total(id, "k"), id == "n114" ? 0 : 3) << id;
  sim.Heal();
  const int64_t ack_timeout = kRelayAckPushIntervals * MeshOptions{}.push_interval_ms;
  sim.now_ += ack_timeout;
  sim.PushAll();  // n113 sends it again
  EXPECT_EQ(sim.Total("n114", "k"), 3);
  sim.PushAll();  // n114's ack
  sim.now_ += ack_timeout;
  sim.datagrams = 0;
  sim.PushAll();
  EXPECT_EQ(sim.datagrams, 0u) << "every relay acknowledged: nothing sent again";
}

// A relay to a node that never acks it (gone, not judged dead yet) is given up after
// kRelaySends sends, and the rest of its span goes to the member after it on the ring.
TEST(GossipEngineTest, ARelayGivenUpGoesToTheRestOfItsSpan) {
  Sim sim;
  const std::vector<std::string> ids = FormProbingMesh(sim, 40);
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the mesh formed";
  sim.Steps(2);  // every ring holds every member
  sim.Crash("n115");  // two places after n113: the relay to it covers n115 and n116
  sim.Hit("n113", "k", 3);
  for (int hop = 0; hop < 8; ++hop) sim.PushAll();
  EXPECT_EQ(sim.Total("n116", "k"), 0);
  const int64_t ack_timeout = kRelayAckPushIntervals * MeshOptions{}.push_interval_ms;
  for (int send = 1; send < kRelaySends; ++send) {
    sim.now_ += ack_timeout;
    sim.PushAll();
  }
  EXPECT_EQ(sim.Total("n116", "k"), 0) << "still sending to n115";
  sim.now_ += ack_timeout;
  sim.PushAll();  // given up: n116 gets the rest of the span
  EXPECT_EQ(sim.Total("n116", "k"), 3);
}

// Relays bring a watermark rise to every member, so it is not listed in syns: after traffic a
// syn lists this node and its slice, as an idle one does (listing every rise for kListedRounds
// was most of a 1000-node mesh's gossip bytes).
TEST(GossipEngineTest, RisesThatCameByRelayAreNotListedInSyns) {
  Sim sim;
  const std::vector<std::string> ids = FormProbingMesh(sim, 40);
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the mesh formed";
  sim.Steps(5);  // the listings of forming age out
  for (int i : {3, 11, 17, 26, 38}) sim.Hit(ids[i], "k", 1);
  for (int hop = 0; hop < 8; ++hop) sim.PushAll();
  for (const auto& id : ids) EXPECT_EQ(sim.Total(id, "k"), 5) << id;
  sim.max_syn_entries = 0;
  sim.Steps(kListedRounds);
  EXPECT_LE(sim.max_syn_entries, 1 + kSliceEntries) << "this node and a slice";
  for (const auto& id : ids) EXPECT_EQ(sim.Total(id, "k"), 5) << id;
}

TEST(GossipEngineTest, WindowsRollOverAndAreCollectedEverywhere) {
  Sim sim;
  sim.Form({"a", "b"});
  const int64_t window = 1000;
  sim.now_ = sim.now_ / window * window + 10;
  EXPECT_EQ(sim.Hit("a", "k", 10, 10, window).status, core::Status::kUnderLimit);
  sim.PushAll();
  EXPECT_EQ(sim.Hit("b", "k", 1, 10, window).status, core::Status::kOverLimit);
  sim.Steps(10);  // the next window
  EXPECT_EQ(sim.Hit("b", "k", 1, 10, window).status, core::Status::kUnderLimit);
  sim.Steps(20);
  EXPECT_EQ(sim.At("a").counters().windows(), 0u);
  EXPECT_EQ(sim.At("b").counters().windows(), 0u);
  EXPECT_GT(sim.At("a").stats().windows_collected, 0u);
}

// A packet from `sender` (not a Sim node) that `engine` acts on: it first answers with a
// Challenge, whose cookie the packet then echoes — what a real node does on its first contact.
wire::Packet Verified(GossipEngine& engine, wire::Packet packet, int64_t now) {
  packet.set_token(0x70c3);
  Received first = engine.Receive(packet, kMaxDatagramBytes, now);
  EXPECT_EQ(first.dropped, DropReason::kUnverified);
  if (first.replies.size() != 1 || !first.replies[0].packet.has_challenge()) {
    ADD_FAILURE() << "no challenge";
    return packet;
  }
  EXPECT_EQ(first.replies[0].address, packet.sender().mesh_address());
  EXPECT_EQ(first.replies[0].packet.challenge().echo_token(), packet.token());
  packet.set_echo(first.replies[0].packet.challenge().cookie());
  return packet;
}

wire::Packet From(const std::string& id, uint64_t incarnation = 1) {
  wire::Packet p;
  p.mutable_sender()->set_node_id(id);
  p.mutable_sender()->set_incarnation(incarnation);
  p.mutable_sender()->set_mesh_address(id + ":7946");
  p.set_token(0x70c3);
  return p;
}

TEST(GossipEngineTest, PacketsFromItselfAndBadOriginsAreIgnored) {
  Sim sim;
  GossipEngine& a = sim.Add("a");
  wire::Packet own = From("a");
  own.mutable_syn();
  EXPECT_TRUE(a.Receive(own, 100, sim.now_).replies.empty());
  EXPECT_EQ(a.stats().own_packets, 1u);

  wire::Packet bad = From("x");
  auto* od = bad.mutable_delta()->add_origins();
  od->mutable_node()->set_node_id(std::string(200, 'y'));  // too long
  od->mutable_node()->set_incarnation(1);
  od->add_slots()->set_key("n_k");
  auto* od2 = bad.mutable_delta()->add_origins();
  od2->mutable_node()->set_node_id("z");
  od2->mutable_node()->set_incarnation(1);
  auto* slot = od2->add_slots();
  slot->set_key("n_k");
  slot->set_window_start(INT64_MAX - 5);
  slot->set_window_length(100);  // overflows
  slot->set_count(1);
  slot->set_version(1);
  Received r = a.Receive(Verified(a, bad, sim.now_), 1000, sim.now_);
  EXPECT_FALSE(r.dropped.has_value());
  EXPECT_EQ(a.stats().slots_invalid, 2u);
  EXPECT_EQ(a.counters().windows(), 0u);
}

// The reproduction of issue 18 #3: a node with plenty of state answered a forged 60-byte join
// with every delta the forger "lacked" (38.7 KB, 645x) sent to the forged source. Now the
// forger gets one small Challenge, sent to the address it claims, and never becomes a member.
TEST(GossipEngineTest, AForgedJoinIsAnsweredOnlyWithASmallChallenge) {
  Sim sim;
  sim.Form({"a", "b"});
  for (int i = 0; i < 3000; ++i) sim.Hit("a", "key-number-" + std::to_string(i), 1);
  GossipEngine& a = sim.At("a");

  wire::Packet forged = From("evil");
  forged.mutable_syn();
  const std::string datagram = sim.codec_.Encode(forged);
  Received r = a.Receive(forged, datagram.size(), sim.now_);
  EXPECT_EQ(r.dropped, DropReason::kUnverified);
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_TRUE(r.replies[0].packet.has_challenge());
  EXPECT_EQ(r.replies[0].address, "evil:7946") << "to the claimed address, never the source";
  const size_t reply = sim.codec_.Encode(r.replies[0].packet).size();
  EXPECT_LE(reply, kMaxAmplification * datagram.size())
      << datagram.size() << " bytes in, " << reply << " out";
  EXPECT_EQ(a.members().Find(OriginId{"evil", 1}), nullptr);

  // A request too small to answer within the ratio gets nothing at all.
  Received tiny = a.Receive(forged, reply / kMaxAmplification - 1, sim.now_);
  EXPECT_EQ(tiny.dropped, DropReason::kUnverified);
  EXPECT_TRUE(tiny.replies.empty());
  EXPECT_GE(a.stats().challenges_withheld, 1u);

  // A wrong cookie is no better than none.
  forged.set_echo(12345);
  EXPECT_EQ(a.Receive(forged, datagram.size(), sim.now_).dropped, DropReason::kUnverified);
  EXPECT_EQ(a.members().Find(OriginId{"evil", 1}), nullptr);
}

TEST(GossipEngineTest, ChallengesStayWithinTheRoundsBudget) {
  Sim sim;
  GossipEngine& a = sim.Add("a");
  size_t sent = 0;
  for (int i = 0; i < 10'000; ++i) {
    wire::Packet forged = From("forged-" + std::to_string(i));
    forged.mutable_syn();
    for (const Outgoing& o : a.Receive(forged, 200, sim.now_).replies) {
      wire::Packet copy = o.packet;
      sent += sim.codec_.Encode(copy).size();
    }
  }
  EXPECT_LE(sent, kChallengeBudgetBytes);
  EXPECT_GT(sent, kChallengeBudgetBytes / 2);
  EXPECT_GT(a.stats().challenges_withheld, 9'000u);
  EXPECT_EQ(a.members().size(), 1u) << "no forged node was learned";
  sim.Step();  // a new round, a new budget
  wire::Packet late = From("late");
  late.mutable_syn();
  EXPECT_EQ(a.Receive(late, 200, sim.now_).replies.size(), 1u);
}

TEST(GossipEngineTest, AChallengeThatAnswersNoPacketOfOursIsIgnored) {
  Sim sim;
  GossipEngine& a = sim.Add("a");
  wire::Packet spoofed = From("m");
  spoofed.mutable_challenge()->set_cookie(777);
  spoofed.mutable_challenge()->set_echo_token(1);  // not a's token
  Received r = a.Receive(spoofed, 100, sim.now_);
  EXPECT_EQ(r.dropped, DropReason::kUnverified);
  EXPECT_TRUE(r.replies.empty());
  EXPECT_EQ(a.stats().challenges_accepted, 0u);
}

// A peer that has not challenged this node drops whatever it is sent unread (no cookie to
// echo), so a whole answer to it would be wasted: the first datagram goes (to earn the
// Challenge), the rest are withheld. Once the Challenge came, the answer is whole.
TEST(GossipEngineTest, APeerWhoseCookieIsUnknownIsSentOneDatagramNotAWholeAnswer) {
  Sim sim;
  GossipEngine& a = sim.Add("a");
  for (int i = 0; i < 3000; ++i) sim.Hit("a", "key-number-" + std::to_string(i), 1);
  wire::Packet syn = From("p");
  syn.mutable_syn();  // knows nothing: lacks all of a's slots
  syn = Verified(a, syn, sim.now_);
  Received first = a.Receive(syn, kMaxDatagramBytes, sim.now_);
  ASSERT_FALSE(first.dropped.has_value());
  ASSERT_EQ(first.replies.size(), 1u);
  EXPECT_EQ(first.replies[0].packet.echo(), 0u);
  EXPECT_GE(a.stats().sends_withheld, 2u) << "3000 slots take more than 3 datagrams";

  wire::Packet challenge = From("p");
  challenge.mutable_challenge()->set_cookie(0xc00c1e);
  challenge.mutable_challenge()->set_echo_token(first.replies[0].packet.token());
  a.Receive(challenge, kMaxDatagramBytes, sim.now_);
  ASSERT_EQ(a.stats().challenges_accepted, 1u);
  const uint64_t withheld = a.stats().sends_withheld;
  Received again = a.Receive(syn, kMaxDatagramBytes, sim.now_);
  EXPECT_GE(again.replies.size(), 3u);
  for (const Outgoing& o : again.replies) EXPECT_EQ(o.packet.echo(), 0xc00c1eu);
  EXPECT_EQ(a.stats().sends_withheld, withheld);
}

TEST(GossipEngineTest, JoiningTakesAVerifiedRoundTripBothWays) {
  Sim sim;
  sim.Add("a");
  sim.Add("b", {"a:7946"});
  sim.Step();  // b's syn is challenged, b answers at once; then a is challenged the same way
  EXPECT_EQ(sim.MemberCount("a"), 2u);
  EXPECT_EQ(sim.MemberCount("b"), 2u);
  EXPECT_EQ(sim.At("a").stats().challenges_sent, 1u);
  EXPECT_EQ(sim.At("b").stats().challenges_sent, 1u);
  EXPECT_EQ(sim.At("a").stats().challenges_accepted, 1u);
  EXPECT_EQ(sim.At("b").stats().challenges_accepted, 1u);
  sim.Steps(5);
  EXPECT_EQ(sim.At("a").stats().challenges_sent, 1u) << "verified once, then trusted";
}

// One engine outside a Sim (options changed by `tweak`) and a Delta from a verified peer,
// "relay", to fill with origins.
struct LoneEngine {
  explicit LoneEngine(const std::function<void(MeshOptions&)>& tweak) {
    options.node_id = "a";
    options.incarnation = 1;
    options.advertise_address = "a:7946";
    tweak(options);
    table = std::make_unique<CounterTable>(CounterOptionsFor(options));
    engine = std::make_unique<GossipEngine>(options, codec.body_budget(), now, *table);
    wire::Packet p = From("relay");
    p.mutable_delta();
    delta = Verified(*engine, p, now);
  }
  Codec codec{"test", ""};
  MeshOptions options;
  const int64_t now = 1'700'000'000'000;
  std::unique_ptr<CounterTable> table;
  std::unique_ptr<GossipEngine> engine;
  wire::Packet delta;
};

// merged_members: the entries of the last merged delta's origins, in its order, null for one
// not merged (this node's own); empty after a packet that merged no delta.
TEST(GossipEngineTest, MergedMembersAreTheEntriesOfTheLastDeltasOrigins) {
  LoneEngine lone([](MeshOptions&) {});
  GossipEngine& a = *lone.engine;
  wire::Packet& delta = lone.delta;
  for (const std::string id : {"x", "a", "y"}) {  // "a" is the engine itself
    auto* od = delta.mutable_delta()->add_origins();
    od->mutable_node()->set_node_id(id);
    od->mutable_node()->set_incarnation(1);
    od->mutable_node()->set_mesh_address(id + ":7946");
    od->set_heartbeat(1);
    od->set_to_version(1);
  }
  ASSERT_FALSE(a.Receive(delta, 1000, lone.now).dropped.has_value());
  const auto merged = a.merged_members();
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0], a.members().Find(OriginId{"x", 1}));
  EXPECT_EQ(merged[1], nullptr);
  EXPECT_EQ(merged[2], a.members().Find(OriginId{"y", 1}));
  EXPECT_NE(merged[0], nullptr);
  EXPECT_NE(merged[2], nullptr);

  wire::Packet syn = From("relay");
  syn.mutable_syn();
  syn.set_echo(delta.echo());
  ASSERT_FALSE(a.Receive(syn, 1000, lone.now).dropped.has_value());
  EXPECT_TRUE(a.merged_members().empty());
}

// Issue 18 #3: 108,000 forged node ids took 87 MB. The member table now has a cap, and a new
// node beyond it replaces only an entry that is not a confirmed live member.
TEST(GossipEngineTest, ForgedNodeIdsAreBoundedByTheMemberCap) {
  LoneEngine lone([](MeshOptions& o) { o.max_members = 8; });
  GossipEngine& a = *lone.engine;
  const int64_t now = lone.now;
  wire::Packet& delta = lone.delta;
  for (int i = 0; i < 100; ++i) {
    auto* od = delta.mutable_delta()->add_origins();
    od->mutable_node()->set_node_id("forged-" + std::to_string(i));
    od->mutable_node()->set_incarnation(1);
    od->set_heartbeat(1);
    od->set_to_version(1);
  }
  EXPECT_FALSE(a.Receive(delta, 1000, now).dropped.has_value());
  EXPECT_LE(a.members().size(), 8u);
  EXPECT_GT(a.stats().members_evicted, 80u) << "unconfirmed entries make room";
  EXPECT_NE(a.members().Find(OriginId{"relay", 1}), nullptr) << "a live member is never evicted";

  // Confirmed live members fill the table: the next new node is refused, counted by reason.
  for (int i = 0; i < 10; ++i) {
    wire::Packet hello = From("node-" + std::to_string(i));
    hello.mutable_syn();
    hello = Verified(a, hello, now);
    Received r = a.Receive(hello, 1000, now);
    if (i < 6) {
      EXPECT_FALSE(r.dropped.has_value()) << i;
    } else {
      EXPECT_EQ(r.dropped, DropReason::kMembersFull) << i;
    }
  }
  EXPECT_EQ(a.members().size(), 8u);
  EXPECT_EQ(a.stats().members_refused, 4u);
}

TEST(GossipEngineTest, SlotsOfOneKeyAreCapped) {
  LoneEngine lone([](MeshOptions& o) { o.max_slots_per_key = 4; });
  GossipEngine& a = *lone.engine;
  const int64_t now = lone.now;
  CounterTable& table = *lone.table;
  wire::Packet& delta = lone.delta;
  for (int i = 0; i < 10; ++i) {
    auto* od = delta.mutable_delta()->add_origins();
    od->mutable_node()->set_node_id("origin-" + std::to_string(i));
    od->mutable_node()->set_incarnation(1);
    od->set_to_version(1);
    auto* slot = od->add_slots();
    slot->set_key("n_k");
    slot->set_window_start(now / kHour * kHour);
    slot->set_window_length(kHour);
    slot->set_count(1);
    slot->set_version(1);
  }
  a.Receive(delta, 1000, now);
  EXPECT_EQ(table.slots(), 4u);
  EXPECT_EQ(a.stats().slots_rejected_key_full, 6u);
  EXPECT_EQ(table.Total(WindowKey{"n_k", now / kHour * kHour, now / kHour * kHour + kHour}), 4);
}

}  // namespace
}  // namespace sluice::mesh
