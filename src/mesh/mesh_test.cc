// Mesh, MeshRouter and MeshMembership with real UDP sockets on 127.0.0.1, in one process.
#include "mesh/mesh.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "mesh/mesh_membership.h"
#include "mesh/mesh_router.h"
#include "testing/exposition.h"
#include "testing/mesh_test_util.h"

namespace sluice::mesh {
namespace {

bool Eventually(const std::function<bool()>& condition, int timeout_ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

std::unique_ptr<Mesh> StartNode(const std::string& id, int port, std::vector<int> seeds,
                                const std::string& secret = "",
                                const MeshMetrics* metrics = nullptr) {
  MeshOptions o;
  o.node_id = id;
  o.bind_address = "127.0.0.1:" + std::to_string(port);
  o.advertise_address = o.bind_address;
  o.grpc_address = "127.0.0.1:" + std::to_string(port + 1);
  for (int s : seeds) o.seeds.push_back("127.0.0.1:" + std::to_string(s));
  o.gossip_interval_ms = 50;
  o.suspicion_timeout_ms = 500;
  o.secret = secret;
  auto mesh = Mesh::Start(o, core::SystemClock::Instance(), metrics);
  EXPECT_TRUE(mesh.ok()) << mesh.status();
  return mesh.ok() ? std::move(*mesh) : nullptr;
}

core::RateLimitRequest Req(const std::string& key, int64_t hits, int64_t limit) {
  core::RateLimitRequest r;
  r.name = "test";
  r.unique_key = key;
  r.hits = hits;
  r.limit = limit;
  r.duration = 3'600'000;
  r.algorithm = static_cast<int32_t>(core::Algorithm::kTokenBucket);
  return r;
}

int64_t Remaining(Mesh& mesh, const std::string& key, int64_t limit) {
  return mesh.Decide({Req(key, 0, limit)}, core::SystemClock::Instance().NowMillis())[0].remaining;
}

TEST(MeshTest, RejectsBadOptions) {
  MeshOptions o;
  o.advertise_address = "0.0.0.0:7946";
  EXPECT_FALSE(Mesh::Start(o, core::SystemClock::Instance()).ok());
  o.advertise_address = "127.0.0.1:7946";
  o.secret = "short";
  EXPECT_FALSE(Mesh::Start(o, core::SystemClock::Instance()).ok());
}

TEST(MeshTest, AnUnsignedNonLoopbackBindNeedsMeshInsecure) {
  MeshOptions o;
  const std::string bind = "0.0.0.0:" + std::to_string(FreeUdpPort());
  o.bind_address = bind;
  o.advertise_address = "127.0.0.1:7946";
  auto refused = Mesh::Start(o, core::SystemClock::Instance());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_NE(refused.status().message().find("--mesh-addr '" + bind + "' is not a loopback address"),
            std::string::npos)
      << refused.status();
  EXPECT_NE(refused.status().message().find("--mesh-secret-file"), std::string::npos);
  EXPECT_NE(refused.status().message().find("--mesh-insecure"), std::string::npos);

  o.insecure = true;
  auto insecure = Mesh::Start(o, core::SystemClock::Instance());
  EXPECT_TRUE(insecure.ok()) << insecure.status();
  insecure = absl::InternalError("stopped");  // frees the port
  o.insecure = false;
  o.secret = "a-shared-key-0123456789";
  auto signed_mesh = Mesh::Start(o, core::SystemClock::Instance());
  EXPECT_TRUE(signed_mesh.ok()) << signed_mesh.status();
  o.secret.clear();
  for (const char* loopback : {"127.0.0.1:0", "localhost:0", "[::1]:0"}) {
    EXPECT_TRUE(CheckUnsignedBind(loopback, false, false).ok()) << loopback;
  }
  EXPECT_FALSE(CheckUnsignedBind("10.1.2.3:7946", false, false).ok());
  EXPECT_FALSE(CheckUnsignedBind("[::]:7946", false, false).ok());
}

TEST(MeshTest, TwoNodesConvergeThroughTheRouter) {
  const int pa = FreeUdpPort();
  const int pb = FreeUdpPort();
  auto a = StartNode("a", pa, {});
  auto b = StartNode("b", pb, {pa});
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Eventually([&] { return a->Peers().size() == 2 && b->Peers().size() == 2; }));

  MeshRouter router(*a);
  std::vector<cluster::RoutedResponse> got;
  router.Route({Req("k", 3, 10), Req("k", 0, 10)}, core::SystemClock::Instance().NowMillis(),
               [&](std::vector<cluster::RoutedResponse> r) { got = std::move(r); });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].response.remaining, 7);
  EXPECT_TRUE(got[0].owner.empty());
  EXPECT_TRUE(Eventually([&] { return Remaining(*b, "k", 10) == 7; }, 1000));

  auto leaky = Req("k", 1, 10);
  leaky.algorithm = 1;
  router.Route({leaky}, 0, [&](std::vector<cluster::RoutedResponse> r) { got = std::move(r); });
  EXPECT_EQ(got[0].response.error, "") << "leaky buckets work in mesh mode (leaky_bucket.h)";
  EXPECT_EQ(got[0].response.remaining, 9);
}

TEST(MeshTest, MembershipReportsJoinsAndLeaves) {
  const int pa = FreeUdpPort();
  const int pb = FreeUdpPort();
  auto a = StartNode("a", pa, {});
  MeshMembership membership(*a);
  std::mutex mu;
  std::vector<std::vector<cluster::PeerInfo>> lists;
  ASSERT_TRUE(membership
                  .Start([&](std::vector<cluster::PeerInfo> peers) {
                    std::lock_guard<std::mutex> lock(mu);
                    lists.push_back(std::move(peers));
                  })
                  .ok());
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(lists.size(), 1u) << "called inline from Start";
    ASSERT_EQ(lists[0].size(), 1u);
    EXPECT_TRUE(lists[0][0].is_self);
    EXPECT_EQ(lists[0][0].grpc_address, "127.0.0.1:" + std::to_string(pa + 1));
  }
  auto b = StartNode("b", pb, {pa});
  auto last_size = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return lists.back().size();
  };
  ASSERT_TRUE(Eventually([&] { return last_size() == 2; }));
  b->Stop();  // graceful leave
  EXPECT_TRUE(Eventually([&] { return last_size() == 1; }, 1000)) << "leave is seen at once";
  EXPECT_FALSE(membership.Start([](auto) {}).ok()) << "at most once";
  membership.Stop();
  membership.Stop();
}

TEST(MeshTest, BadDatagramsAreCountedAndHarmless) {
  const int pa = FreeUdpPort();
  const int pb = FreeUdpPort();
  const std::string key = "a-shared-secret-of-some-length";
  auto a = StartNode("a", pa, {}, key);
  auto b = StartNode("b", pb, {pa}, key);
  ASSERT_TRUE(Eventually([&] { return a->Peers().size() == 2; }));

  SendDatagram(pa, "hello");
  SendDatagram(pa, std::string(1500, 'x'));
  SendDatagram(pa, "SM");
  SendDatagram(pa, std::string("SM\x07\x01", 4) + std::string(40, 'x'));
  Codec wrong_cluster("other", key);
  Codec wrong_key("sluice", "not-the-shared-secret!");
  wire::Packet p;
  p.mutable_sender()->set_node_id("intruder");
  p.mutable_sender()->set_incarnation(1);
  p.mutable_leave();
  SendDatagram(pa, wrong_cluster.Encode(p));
  SendDatagram(pa, wrong_key.Encode(p));
  // Wait for these six reasons, not for dropped_total: the join's own first datagram was
  // already dropped as unverified, so a total of 6 can come before the last one is read.
  constexpr DropReason kSent[] = {DropReason::kBadMagic,     DropReason::kOversized,
                                  DropReason::kTruncated,    DropReason::kBadVersion,
                                  DropReason::kWrongCluster, DropReason::kBadAuth};
  ASSERT_TRUE(Eventually([&] {
    const MeshStats now = a->stats();
    uint64_t seen = 0;
    for (DropReason reason : kSent) seen += now.dropped[static_cast<int>(reason)];
    return seen >= 6;
  }));
  MeshStats s = a->stats();
  EXPECT_EQ(s.dropped[static_cast<int>(DropReason::kBadMagic)], 1u);
  EXPECT_EQ(s.dropped[static_cast<int>(DropReason::kOversized)], 1u);
  EXPECT_EQ(s.dropped[static_cast<int>(DropReason::kTruncated)], 1u);
  EXPECT_EQ(s.dropped[static_cast<int>(DropReason::kBadVersion)], 1u);
  EXPECT_EQ(s.dropped[static_cast<int>(DropReason::kWrongCluster)], 1u);
  EXPECT_EQ(s.dropped[static_cast<int>(DropReason::kBadAuth)], 1u);

  a->Decide({Req("k", 2, 10)}, core::SystemClock::Instance().NowMillis());
  EXPECT_TRUE(Eventually([&] { return Remaining(*b, "k", 10) == 8; }, 1000));
  EXPECT_EQ(a->Peers().size(), 2u) << "the intruder never joined";
}

// Each packet and decision is counted once: /metrics (the registry) and stats() read the same
// counters.
TEST(MeshTest, StatsAndMetricsReadTheSameCounters) {
  obs::Registry registry;
  const MeshMetrics metrics(registry);
  const int pa = FreeUdpPort();
  const int pb = FreeUdpPort();
  auto a = StartNode("a", pa, {}, "", &metrics);
  auto b = StartNode("b", pb, {pa});
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Eventually([&] { return a->Peers().size() == 2 && b->Peers().size() == 2; }));
  const int64_t now = core::SystemClock::Instance().NowMillis();
  a->Decide({Req("k", 3, 10), Req("k", 8, 10)}, now);  // admitted, then over the limit
  ASSERT_TRUE(Eventually([&] { return Remaining(*b, "k", 10) == 7; }, 2000));
  a->Stop();  // the counters stop moving
  const MeshStats s = a->stats();
  const obs::Exposition e = obs::ParseExposition(registry.Render());
  auto at = [&](const std::string& series) { return static_cast<uint64_t>(e.Get(series)); };
  EXPECT_GT(s.packets_sent, 0u);
  EXPECT_GT(s.packets_received, 0u);
  EXPECT_EQ(at("sluice_gossip_packets_total{direction=\"sent\"}"), s.packets_sent);
  EXPECT_EQ(at("sluice_gossip_packets_total{direction=\"received\"}"), s.packets_received);
  EXPECT_EQ(at("sluice_gossip_bytes_total{direction=\"sent\"}"), s.bytes_sent);
  EXPECT_EQ(at("sluice_gossip_bytes_total{direction=\"received\"}"), s.bytes_received);
  EXPECT_EQ(at("sluice_gossip_dropped_packets_total{reason=\"unverified\"}"),
            s.dropped[static_cast<int>(DropReason::kUnverified)]);
  EXPECT_EQ(s.admitted, 1u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(at("sluice_mesh_local_decisions_total{result=\"admitted\"}"), 1u);
  EXPECT_EQ(at("sluice_mesh_local_decisions_total{result=\"rejected\"}"), 1u);
  ASSERT_NE(s.engine, nullptr);
  EXPECT_GT(s.engine->rounds.value(), 0u);
  EXPECT_EQ(at("sluice_gossip_rounds_total"), s.engine->rounds.value());
  EXPECT_EQ(at("sluice_gossip_slot_updates_total{result=\"applied\"}"),
            s.engine->slots_applied.value());
  EXPECT_EQ(e.types.at("sluice_gossip_challenges_total"), "counter");
}

TEST(MeshTest, DenyListPartitionsAndHeals) {
  const int pa = FreeUdpPort();
  const int pb = FreeUdpPort();
  auto a = StartNode("a", pa, {});
  auto b = StartNode("b", pb, {pa});
  ASSERT_TRUE(Eventually([&] { return a->Peers().size() == 2 && b->Peers().size() == 2; }));
  a->SetDeniedNodes({"b"});
  b->SetDeniedNodes({"a"});
  const int64_t now = core::SystemClock::Instance().NowMillis();
  a->Decide({Req("k", 3, 100)}, now);
  b->Decide({Req("k", 4, 100)}, now);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Remaining(*a, "k", 100), 97);
  EXPECT_EQ(Remaining(*b, "k", 100), 96);
  EXPECT_GT(a->stats().dropped_denied, 0u);
  a->SetDeniedNodes({});
  b->SetDeniedNodes({});
  EXPECT_TRUE(Eventually([&] { return Remaining(*a, "k", 100) == 93; }));
  EXPECT_TRUE(Eventually([&] { return Remaining(*b, "k", 100) == 93; }));
}

}  // namespace
}  // namespace sluice::mesh
