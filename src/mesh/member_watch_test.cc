#include "mesh/member_watch.h"

#include <gtest/gtest.h>

namespace sluice::mesh {
namespace {

constexpr int64_t kT = 1000;  // suspicion timeout

NodeInfo Info(const std::string& id, uint64_t incarnation = 1) {
  return NodeInfo{
      .id = OriginId{id, incarnation}, .mesh_address = id + ":7946", .grpc_address = id + ":1051"};
}

std::vector<std::string> Texts(const std::vector<MemberEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back((e.warning ? "W " : "I ") + e.text);
  return out;
}

TEST(MemberWatchTest, ReportsEveryChangeOfAConfirmedNodeOnce) {
  MemberTable t(Info("self"), MemberTable::Options{.suspicion_timeout_ms = kT}, 0);
  MemberWatch watch;
  Member* b = t.Learn(Info("b"), 1, 0);
  t.Tick(0);
  EXPECT_TRUE(watch.Changes(t, kT).empty()) << "second hand, never heard from: not news";
  EXPECT_FALSE(watch.ever_joined());

  t.ObserveContact(*b, 10);
  t.Tick(10);
  EXPECT_EQ(Texts(watch.Changes(t, kT)),
            std::vector<std::string>{"I node b (incarnation 1, mesh b:7946, gRPC b:1051) joined"});
  EXPECT_TRUE(watch.ever_joined());
  EXPECT_TRUE(watch.Changes(t, kT).empty()) << "no change, no event";

  t.Tick(10 + kT + 1);
  auto suspect = watch.Changes(t, kT);
  ASSERT_EQ(suspect.size(), 1u);
  EXPECT_TRUE(suspect[0].warning);
  EXPECT_EQ(suspect[0].state, NodeState::kSuspect);
  EXPECT_NE(suspect[0].text.find("is suspect: no heartbeat for more than 1000 ms"),
            std::string::npos);

  t.Tick(10 + 2 * kT + 1);
  auto dead = watch.Changes(t, kT);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_TRUE(dead[0].warning);
  EXPECT_NE(dead[0].text.find("node b (incarnation 1, mesh b:7946, gRPC b:1051) is dead"),
            std::string::npos);

  t.ObserveHeartbeat(*b, 5, 5000);
  t.Tick(5000);
  EXPECT_EQ(Texts(watch.Changes(t, kT)),
            std::vector<std::string>{
                "I node b (incarnation 1, mesh b:7946, gRPC b:1051) is alive again"});

  t.MarkLeft(*b);
  t.Tick(5001);
  EXPECT_EQ(Texts(watch.Changes(t, kT)),
            std::vector<std::string>{"I node b (incarnation 1, mesh b:7946, gRPC b:1051) left "
                                     "the mesh"});
}

TEST(MemberWatchTest, ARestartIsReported) {
  MemberTable t(Info("self"), MemberTable::Options{.suspicion_timeout_ms = kT}, 0);
  MemberWatch watch;
  t.ObserveContact(*t.Learn(Info("b", 1), 1, 0), 0);
  t.Tick(0);
  watch.Changes(t, kT);
  t.ObserveContact(*t.Learn(Info("b", 2), 1, 100), 100);
  t.Tick(100);
  auto events = Texts(watch.Changes(t, kT));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "I node b (incarnation 1, mesh b:7946, gRPC b:1051) was restarted (a "
                       "later incarnation of it is known)");
  EXPECT_EQ(events[1], "I node b (incarnation 2, mesh b:7946, gRPC b:1051) joined");
}

}  // namespace
}  // namespace sluice::mesh
