// Mesh mode under faults, with real processes on 127.0.0.1: random and hostile datagrams at the
// gossip port, a partition (through the --mesh-test-hooks deny list) and its healing, and a
// kill -9 followed by a restart with the same --node-id (docs/mesh.md, "Failure semantics").
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "integration/mesh_harness.h"
#include "mesh/codec.h"

namespace sluice {
namespace {

using testing::Eventually;
using testing::MeshCluster;
using testing::SendDatagram;

constexpr char kSecret[] = "mesh-integration-test-shared-key";

std::string SecretFile() {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("sluice-mesh-key-" + std::to_string(getpid())))
          .string();
  std::ofstream(path) << kSecret << "\n";
  return path;
}

mesh::wire::Packet LeavePacket(const std::string& node_id) {
  mesh::wire::Packet p;
  p.mutable_sender()->set_node_id(node_id);
  p.mutable_sender()->set_incarnation(1);
  p.mutable_sender()->set_mesh_address("127.0.0.1:9");
  p.set_token(1);
  p.mutable_leave();
  return p;
}

TEST(MeshFaultsTest, RandomAndHostileDatagramsAreDroppedAndCounted) {
  const std::string secret = SecretFile();
  MeshCluster mesh(2, {"--mesh-secret-file", secret, "--cluster-id", "fuzz"});
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(2));
  const int port = mesh.udp_port(0);

  // Well-formed packets that must still be refused: another cluster, another key, no key, an
  // unknown version, cut short, too long. Each would make n1 "leave" if it were accepted.
  mesh::Codec right("fuzz", kSecret);
  mesh::Codec other_cluster("other", kSecret);
  mesh::Codec other_key("fuzz", "a-different-key-of-enough-bytes");
  mesh::Codec no_key("fuzz", "");
  mesh::wire::Packet leave = LeavePacket(mesh.id(1));
  std::string good = right.Encode(leave);
  std::string version = good;
  version[2] = 9;
  std::vector<std::string> hostile = {other_cluster.Encode(leave), other_key.Encode(leave),
                                      no_key.Encode(leave),        version,
                                      good.substr(0, 20),          good + std::string(1200, 'x')};
  // Then random bytes, some starting with a valid header.
  std::mt19937 rng(12345);
  const int kRandom = 3000;
  for (int i = 0; i < kRandom; ++i) {
    std::string bytes(std::uniform_int_distribution<size_t>(0, 1400)(rng), '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (i % 3 == 0 && bytes.size() >= 4) bytes.replace(0, 4, std::string("SM\x02\x01", 4));
    hostile.push_back(std::move(bytes));
  }
  // In batches, each sent only after the node has counted the one before: at most one batch
  // (under 100 KB) waits in the socket buffer, so the kernel never drops one for want of room
  // however slowly a loaded machine schedules the node, and every datagram must be counted.
  constexpr size_t kBatch = 64;
  const int64_t dropped_before = mesh.Stat(0, "dropped_total");
  for (size_t sent = 0; sent < hostile.size();) {
    const size_t end = std::min(hostile.size(), sent + kBatch);
    for (; sent < end; ++sent) SendDatagram(port, hostile[sent]);
    const int64_t expected = dropped_before + static_cast<int64_t>(sent);
    ASSERT_TRUE(Eventually([&] { return mesh.Stat(0, "dropped_total") >= expected; }, 10000))
        << "after " << sent << " datagrams: " << mesh.Stats(0);
  }

  const int64_t expected = static_cast<int64_t>(hostile.size());
  const std::string stats = mesh.Stats(0);
  std::printf("after %lld hostile datagrams: %s\n", static_cast<long long>(expected),
              stats.substr(0, stats.find("\"nodes\"")).c_str());
  EXPECT_GE(testing::JsonInt(stats, "wrong_cluster"), 1);
  EXPECT_GE(testing::JsonInt(stats, "auth"), 3) << "other key, no key, random signed frames";
  EXPECT_GE(testing::JsonInt(stats, "version"), 1);
  EXPECT_GE(testing::JsonInt(stats, "oversize"), 1);
  EXPECT_GE(testing::JsonInt(stats, "bad_magic"), 1);
  EXPECT_EQ(testing::JsonInt(stats, "leaves_received"), 0) << "nothing forged got through";

  // Still alive, still a mesh, still converging.
  EXPECT_EQ(mesh.Stat(0, "members"), 2);
  mesh.Hit(1, "after-fuzz", 3, 10);
  EXPECT_TRUE(Eventually([&] { return mesh.Remaining(0, "after-fuzz", 10) == 7; }, 5000));
  mesh.Hit(0, "after-fuzz", 2, 10);
  EXPECT_TRUE(Eventually([&] { return mesh.Remaining(1, "after-fuzz", 10) == 5; }, 5000));
  std::filesystem::remove(secret);
}

TEST(MeshFaultsTest, PartitionedSidesKeepDecidingAndConvergeAfterHealing) {
  MeshCluster mesh(3, {"--mesh-suspicion-timeout", "300ms"});
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(3));
  // n0 | n1 n2
  mesh.Deny(0, "n1,n2");
  mesh.Deny(1, "n0");
  mesh.Deny(2, "n0");
  mesh.Hit(0, "split", 3, 100);
  mesh.Hit(1, "split", 4, 100);
  // Both sides keep answering from what they know.
  EXPECT_TRUE(Eventually([&] { return mesh.Remaining(2, "split", 100) == 96; }, 1000));
  EXPECT_EQ(mesh.Remaining(0, "split", 100), 97);
  // Long enough for each side to declare the other dead.
  EXPECT_TRUE(Eventually([&] { return mesh.Stat(0, "members") == 1; }, 3000));
  EXPECT_TRUE(Eventually([&] { return mesh.Stat(1, "members") == 2; }, 3000));
  mesh.Hit(2, "split", 5, 100);
  EXPECT_EQ(mesh.Remaining(0, "split", 100), 97);

  for (int i = 0; i < 3; ++i) mesh.Deny(i, "");
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Eventually([&] { return mesh.Remaining(i, "split", 100) == 88; }, 3000))
        << "node " << i << " after healing";
  }
  EXPECT_TRUE(mesh.WaitForMembers(3, 3000));
}

TEST(MeshFaultsTest, KilledNodeRestartsWithTheSameIdAndPeersAcceptItsNewState) {
  MeshCluster mesh(3);
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(3));
  mesh.Hit(1, "restart", 10, 100);
  ASSERT_TRUE(Eventually([&] { return mesh.Remaining(0, "restart", 100) == 90; }, 1000));
  const int64_t old_incarnation = mesh.Stat(1, "incarnation");

  mesh.Kill(1);  // kill -9: no leave announced
  // A dead node's hits keep counting.
  EXPECT_EQ(mesh.Remaining(0, "restart", 100), 90);
  mesh.Start(1);  // same --node-id, same ports, empty memory
  ASSERT_TRUE(mesh.process(1).ready());
  EXPECT_GT(mesh.Stat(1, "incarnation"), old_incarnation);
  ASSERT_TRUE(mesh.WaitForMembers(3));
  // The new life learns its previous life's hits from its peers...
  EXPECT_TRUE(Eventually([&] { return mesh.Remaining(1, "restart", 100) == 90; }, 2000));
  // ...and the peers take the new life's hits, with no stale state in the way.
  mesh.Hit(1, "restart", 5, 100);
  for (int i : {0, 2}) {
    EXPECT_TRUE(Eventually([&] { return mesh.Remaining(i, "restart", 100) == 85; }, 1000)) << i;
  }
  const std::string stats = mesh.Stats(0);
  EXPECT_NE(stats.find("\"state\":\"superseded\""), std::string::npos) << stats;
}

}  // namespace
}  // namespace sluice
