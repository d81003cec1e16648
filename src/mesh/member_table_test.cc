#include "mesh/member_table.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sluice::mesh {
namespace {

constexpr int64_t kT = 3000;  // suspicion timeout

NodeInfo Info(const std::string& id, uint64_t incarnation = 1) {
  return NodeInfo{
      .id = OriginId{id, incarnation}, .mesh_address = id + ":7946", .grpc_address = id + ":1051"};
}

MemberTable Table(int64_t now = 0) {
  return MemberTable(Info("self"),
                     MemberTable::Options{.suspicion_timeout_ms = kT, .forget_after_ms = 10 * kT},
                     now);
}

TEST(MemberTableTest, SelfIsAlwaysAMember) {
  MemberTable t = Table();
  EXPECT_EQ(t.Learn(Info("self"), 5, 0), nullptr);
  t.Tick(1'000'000);
  EXPECT_TRUE(t.IsMember(t.self()));
  EXPECT_EQ(t.self().state, NodeState::kAlive);
}

TEST(MemberTableTest, FindsALifeByBorrowedFieldsAsByItsId) {
  MemberTable t = Table();
  Member* b = t.Learn(Info("a-node-id-of-16b", 7), 1, 0);
  ASSERT_NE(b, nullptr);
  const std::string wire_id = "a-node-id-of-16b";
  EXPECT_EQ(t.Find(OriginRef{wire_id, 7}), b);
  EXPECT_EQ(t.Find(OriginId{wire_id, 7}), b);
  EXPECT_EQ(t.Find(OriginRef{wire_id, 8}), nullptr) << "another life";
  EXPECT_EQ(t.Find(OriginRef{"a-node-id-of-16", 7}), nullptr);
  EXPECT_EQ(t.Find(OriginRef{"self", 1}), &t.self());
}

TEST(MemberTableTest, SecondHandNodesBecomeMembersOnlyOnceSeenAlive) {
  MemberTable t = Table();
  Member* b = t.Learn(Info("b"), 7, 0);
  ASSERT_NE(b, nullptr);
  t.Tick(0);
  EXPECT_FALSE(t.IsMember(*b)) << "relayed, never seen alive";
  t.ObserveHeartbeat(*b, 7, 100);
  t.Tick(100);
  EXPECT_FALSE(t.IsMember(*b)) << "same heartbeat is no news";
  t.ObserveHeartbeat(*b, 8, 200);
  EXPECT_TRUE(t.Tick(200)) << "member list changed";
  EXPECT_TRUE(t.IsMember(*b));
  EXPECT_FALSE(t.Tick(300));
}

TEST(MemberTableTest, DirectContactConfirms) {
  MemberTable t = Table();
  Member* b = t.Learn(Info("b"), 0, 0);
  t.ObserveContact(*b, 10);
  t.Tick(10);
  EXPECT_TRUE(t.IsMember(*b));
}

TEST(MemberTableTest, SilenceMakesSuspectThenDeadAndHeartbeatsRevive) {
  MemberTable t = Table();
  Member* b = t.Learn(Info("b"), 1, 0);
  t.ObserveHeartbeat(*b, 2, 0);
  t.Tick(kT);
  EXPECT_EQ(b->state, NodeState::kAlive);
  t.Tick(kT + 1);
  EXPECT_EQ(b->state, NodeState::kSuspect);
  EXPECT_TRUE(t.IsMember(*b)) << "a suspect is still a member";
  t.Tick(2 * kT);
  EXPECT_EQ(b->state, NodeState::kSuspect);
  EXPECT_TRUE(t.Tick(2 * kT + 1));
  EXPECT_EQ(b->state, NodeState::kDead);
  EXPECT_FALSE(t.IsMember(*b));
  t.ObserveHeartbeat(*b, 2, 2 * kT + 50);
  t.Tick(2 * kT + 50);
  EXPECT_EQ(b->state, NodeState::kDead) << "an old heartbeat relayed late revives nobody";
  t.ObserveHeartbeat(*b, 3, 2 * kT + 100);
  EXPECT_TRUE(t.Tick(2 * kT + 100));
  EXPECT_EQ(b->state, NodeState::kAlive);
}

TEST(MemberTableTest, OneLostHeartbeatNeverEvicts) {
  MemberTable t = Table();
  Member* b = t.Learn(Info("b"), 1, 0);
  uint64_t hb = 1;
  // Heartbeats every 100 ms with every other one (and a run of 20) lost.
  for (int64_t now = 0; now < 20'000; now += 100) {
    const bool lost = (now / 100) % 2 == 1 || (now >= 5000 && now < 7000);
    ++hb;
    if (!lost) t.ObserveHeartbeat(*b, hb, now);
    t.Tick(now);
    ASSERT_EQ(b->state, NodeState::kAlive) << now;
  }
}

TEST(MemberTableTest, LeftIsStickyAndNotAMember) {
  MemberTable t = Table();
  Member* b = t.Learn(Info("b"), 1, 0);
  t.ObserveContact(*b, 0);
  t.Tick(0);
  t.MarkLeft(*b);
  EXPECT_TRUE(t.Tick(1));
  EXPECT_EQ(b->state, NodeState::kLeft);
  t.ObserveHeartbeat(*b, 100, 2);
  t.ObserveContact(*b, 2);
  t.Tick(2);
  EXPECT_EQ(b->state, NodeState::kLeft);
  EXPECT_FALSE(t.IsMember(*b));
}

TEST(MemberTableTest, NewIncarnationSupersedesTheOldLife) {
  MemberTable t = Table();
  Member* old_life = t.Learn(Info("b", 100), 1, 0);
  t.ObserveContact(*old_life, 0);
  t.Tick(0);
  Member* new_life = t.Learn(Info("b", 200), 1, 10);
  t.ObserveContact(*new_life, 10);
  t.Tick(10);
  EXPECT_EQ(t.Find(OriginId{"b", 100})->state, NodeState::kSuperseded);
  EXPECT_TRUE(t.IsMember(*t.Find(OriginId{"b", 200})));
  // A late packet of the old life changes nothing.
  Member* late = t.Learn(Info("b", 100), 1, 20);
  t.ObserveContact(*late, 20);
  t.Tick(20);
  EXPECT_FALSE(t.IsMember(*late));
  // Learning an old life after the new one marks it superseded at once.
  MemberTable u = Table();
  u.Learn(Info("c", 200), 1, 0);
  EXPECT_TRUE(u.Learn(Info("c", 100), 1, 0)->superseded);
}

TEST(MemberTableTest, OwnPreviousLifeIsSupersededAndNewerOneIsAConflict) {
  MemberTable t(Info("self", 50), MemberTable::Options{.suspicion_timeout_ms = kT}, 0);
  EXPECT_TRUE(t.Learn(Info("self", 40), 1, 0)->superseded);
  EXPECT_EQ(t.id_conflicts(), 0u);
  t.Learn(Info("self", 60), 1, 0);
  EXPECT_EQ(t.id_conflicts(), 1u);
}

TEST(MemberTableTest, ForgetDropsOldGoneEntriesUnlessKept) {
  MemberTable t = Table();
  t.Learn(Info("b"), 1, 0);
  t.Learn(Info("c"), 1, 0);
  t.Tick(2 * kT + 1);  // both dead
  EXPECT_TRUE(t.Forget(2 * kT + 2, [](const OriginId&) { return false; }).empty());
  auto gone = t.Forget(12 * kT + 1, [](const OriginId& id) { return id.node_id == "c"; });
  EXPECT_EQ(gone, (std::vector<OriginId>{OriginId{"b", 1}}));
  EXPECT_EQ(t.Find(OriginId{"b", 1}), nullptr);
  EXPECT_NE(t.Find(OriginId{"c", 1}), nullptr);
}

TEST(MemberTableTest, ForgetFindsNothingToDropWhileNothingIsGoneLongEnough) {
  MemberTable t = Table();
  t.Learn(Info("b"), 1, 0);
  int asked = 0;
  auto keep = [&](const OriginId&) {
    ++asked;
    return false;
  };
  t.Tick(0);
  EXPECT_TRUE(t.Forget(50 * kT, keep).empty()) << "b has not been gone at all";
  t.Tick(2 * kT + 1);  // dead since then
  EXPECT_TRUE(t.Forget(12 * kT, keep).empty());
  EXPECT_EQ(asked, 0);
  EXPECT_EQ(t.Forget(12 * kT + 1, keep), (std::vector<OriginId>{OriginId{"b", 1}}));
  EXPECT_EQ(asked, 1);
  NodeInfo left = Info("c");
  Member* c = t.Learn(left, 1, 20 * kT);
  t.MarkLeft(*c);
  t.Tick(20 * kT);  // left since then
  EXPECT_TRUE(t.Forget(30 * kT - 1, keep).empty());
  EXPECT_EQ(t.Forget(30 * kT, keep).size(), 1u);
}

TEST(MemberTableTest, GenerationChangesWithEntriesAddressesAndStates) {
  MemberTable t = Table();
  uint64_t generation = t.generation();
  auto changed = [&] { return std::exchange(generation, t.generation()) != t.generation(); };
  Member* b = t.Learn(Info("b"), 1, 0);
  EXPECT_TRUE(changed()) << "added";
  t.Learn(Info("b"), 1, 0);
  t.Tick(0);
  EXPECT_FALSE(changed()) << "nothing new";
  t.ObserveContact(*b, 0);
  t.Tick(0);
  EXPECT_TRUE(changed()) << "b became a member";
  NodeInfo moved = Info("b");
  moved.mesh_address = "b:7000";
  t.Learn(moved, 1, 1);
  EXPECT_TRUE(changed()) << "mesh address";
  t.Tick(kT + 2);
  EXPECT_TRUE(changed()) << "suspect";
  t.Tick(kT + 3);
  EXPECT_FALSE(changed());
  t.Tick(2 * kT + 2);
  EXPECT_TRUE(changed()) << "dead";
  t.Forget(12 * kT + 2, [](const OriginId&) { return false; });
  EXPECT_TRUE(changed()) << "dropped";
}

TEST(MemberTableTest, TickSeesAnEntryThatReplacedAnEvictedOne) {
  // Evicting one entry and learning another between two Ticks keeps the count the same: Tick
  // must still judge the new entry (and never the dropped one; ASan checks the latter).
  MemberTable t(Info("self"),
                MemberTable::Options{.suspicion_timeout_ms = kT, .max_members = 2}, 0);
  ASSERT_NE(t.Learn(Info("rumour"), 0, 0), nullptr);
  t.Tick(0);
  EXPECT_EQ(t.MakeRoom([](const OriginId&) { return false; }).evicted->node_id, "rumour");
  Member* added = t.Learn(Info("new"), 0, 10);
  ASSERT_NE(added, nullptr);
  t.ObserveContact(*added, 10);
  EXPECT_TRUE(t.Tick(10)) << "a new member";
  EXPECT_TRUE(added->listed);
  EXPECT_EQ(t.member_count(), 2u);
  t.Tick(10 + 2 * kT + 1);
  EXPECT_EQ(added->state, NodeState::kDead);
}

TEST(MemberTableTest, OnDropSeesEachDroppedEntryBeforeItGoes) {
  MemberTable t(Info("self"),
                MemberTable::Options{.suspicion_timeout_ms = kT, .forget_after_ms = 10 * kT,
                                     .max_members = 3},
                0);
  const Member* rumour = t.Learn(Info("rumour"), 0, 0);
  const Member* b = t.Learn(Info("b"), 1, 0);
  ASSERT_NE(rumour, nullptr);
  ASSERT_NE(b, nullptr);
  std::vector<std::pair<const Member*, std::string>> dropped;
  t.OnDrop([&](const Member& member) {
    // Still in the table, at the address its holders know.
    EXPECT_EQ(t.Find(member.info.id), &member);
    dropped.emplace_back(&member, member.info.id.node_id);
  });
  t.Tick(0);
  EXPECT_EQ(t.MakeRoom([](const OriginId& id) { return id.node_id == "b"; }).evicted->node_id,
            "rumour");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0], std::make_pair(rumour, std::string("rumour")));
  EXPECT_EQ(t.Find(OriginId{"rumour", 1}), nullptr);

  t.Tick(2 * kT + 1);  // b is dead
  EXPECT_EQ(t.Forget(12 * kT + 2, [](const OriginId&) { return false; }).size(), 1u);
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[1], std::make_pair(b, std::string("b")));
  EXPECT_EQ(t.size(), 1u) << "only this node";
}

TEST(MemberTableTest, AddressChangeIsAMembershipChange) {
  MemberTable t = Table();
  Member* b = t.Learn(Info("b"), 0, 0);
  t.ObserveContact(*b, 0);
  EXPECT_TRUE(t.Tick(0));
  NodeInfo moved = Info("b");
  moved.grpc_address = "b:2000";
  t.Learn(moved, 0, 1);
  EXPECT_TRUE(t.Tick(1));
}

TEST(MemberTableTest, AFullTableMakesRoomOnlyFromEntriesThatAreNotLiveMembers) {
  MemberTable t(Info("self"),
                MemberTable::Options{.suspicion_timeout_ms = kT, .max_members = 3}, 0);
  Member* live = t.Learn(Info("live"), 0, 0);
  ASSERT_NE(live, nullptr);
  t.ObserveContact(*live, 0);  // confirmed
  ASSERT_NE(t.Learn(Info("rumour"), 0, 10), nullptr);  // second hand, never seen alive
  EXPECT_EQ(t.Learn(Info("new"), 0, 20), nullptr) << "full";

  auto keep_nothing = [](const OriginId&) { return false; };
  MemberTable::Room room = t.MakeRoom(keep_nothing);
  EXPECT_TRUE(room.fits);
  ASSERT_TRUE(room.evicted.has_value());
  EXPECT_EQ(room.evicted->node_id, "rumour");
  Member* added = t.Learn(Info("new"), 0, 20);
  ASSERT_NE(added, nullptr);
  t.ObserveContact(*added, 20);

  room = t.MakeRoom(keep_nothing);
  EXPECT_FALSE(room.fits) << "self and two live members: nothing to evict";
  EXPECT_EQ(t.size(), 3u);
  t.Tick(3 * kT);  // both dead now
  room = t.MakeRoom([](const OriginId& id) { return id.node_id == "live"; });
  ASSERT_TRUE(room.evicted.has_value());
  EXPECT_EQ(room.evicted->node_id, "new") << "the dead one whose slots need not be kept";
}

// Big meshes (docs/mesh.md §4 "Probing"): silence means nothing; a suspicion starts the clock,
// any heartbeat above the suspected one refutes it, and T of suspicion makes the node dead.
TEST(MemberTableTest, JudgedByProbesSuspicionNotSilenceDecides) {
  MemberTable t = Table();
  t.JudgeByProbes();
  Member* b = t.Learn(Info("b"), 1, 0);
  t.ObserveHeartbeat(*b, 2, 0);
  t.Tick(10 * kT);
  EXPECT_EQ(b->state, NodeState::kAlive) << "silence alone suspects nobody";
  EXPECT_FALSE(t.Suspect(*b, 1, 10 * kT)) << "a suspicion older than what is known is stale";
  EXPECT_TRUE(t.Suspect(*b, 2, 10 * kT));
  EXPECT_FALSE(t.Suspect(*b, 2, 10 * kT)) << "already suspected: no news to relay";
  t.Tick(10 * kT + 1);
  EXPECT_EQ(b->state, NodeState::kSuspect);
  EXPECT_TRUE(t.IsMember(*b));
  EXPECT_FALSE(t.ObserveHeartbeat(*b, 2, 10 * kT + 2)) << "the suspected heartbeat refutes nothing";
  EXPECT_TRUE(t.ObserveHeartbeat(*b, 3, 10 * kT + 3)) << "a later heartbeat refutes it";
  t.Tick(10 * kT + 4);
  EXPECT_EQ(b->state, NodeState::kAlive);

  ASSERT_TRUE(t.Suspect(*b, 3, 20 * kT));
  t.Tick(21 * kT);
  EXPECT_EQ(b->state, NodeState::kSuspect);
  EXPECT_TRUE(t.Tick(21 * kT + 1)) << "dead after T of suspicion: the member list changed";
  EXPECT_EQ(b->state, NodeState::kDead);
  EXPECT_TRUE(t.ObserveContact(*b, 22 * kT)) << "a packet from it refutes even death";
  t.Tick(22 * kT);
  EXPECT_EQ(b->state, NodeState::kAlive);
}

TEST(MemberTableTest, AVouchedLifeIsAMemberAtOnceAndUnconfirmedOnesAreNeverSuspected) {
  MemberTable t = Table();
  t.JudgeByProbes();
  Member* b = t.Learn(Info("b"), 7, 0);
  EXPECT_FALSE(t.Suspect(*b, 7, 0)) << "not a member: nothing to suspect";
  t.Vouch(*b, 5);
  t.Tick(5);
  EXPECT_TRUE(t.IsMember(*b));
}

}  // namespace
}  // namespace sluice::mesh
