// Mesh health and logs with real processes on 127.0.0.1 (issue 17): a node whose seeds drop
// its packets (another cluster id, another key) must not report healthy while it decides
// alone, and both sides must say why in the log; a dead peer is logged at the default level.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "gubernator.grpc.pb.h"
#include "integration/mesh_harness.h"

namespace sluice {
namespace {

using testing::Eventually;
using testing::FreeUdpPort;
using testing::MeshCluster;
using testing::SluiceProcess;

std::string KeyFile(const std::string& name, const std::string& key) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("sluice-" + name + "-" + std::to_string(getpid())))
                               .string();
  std::ofstream(path) << key << "\n";
  return path;
}

// A mesh node on its own UDP port; `args` are added after the mesh flags.
std::unique_ptr<SluiceProcess> MeshNode(const std::string& id, int udp_port,
                                        std::vector<std::string> args) {
  SluiceProcess::Options options;
  options.extra_args = {"--mesh", "--node-id", id, "--mesh-addr",
                        "127.0.0.1:" + std::to_string(udp_port), "--gossip-interval", "50ms",
                        "--mesh-suspicion-timeout", "300ms"};
  options.extra_args.insert(options.extra_args.end(), args.begin(), args.end());
  return std::make_unique<SluiceProcess>(options);
}

// V1.HealthCheck over gRPC. As in Gubernator, an unhealthy node answers UNAVAILABLE with the
// message; that is folded back into the response shape here.
pb::gubernator::HealthCheckResp HealthOf(const SluiceProcess& node) {
  auto stub = pb::gubernator::V1::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  pb::gubernator::HealthCheckResp health;
  grpc::Status status = stub->HealthCheck(&context, pb::gubernator::HealthCheckReq(), &health);
  if (!status.ok()) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    health.set_status("unhealthy");
    health.set_message(status.error_message());
  }
  return health;
}

std::string Health(const SluiceProcess& node) { return HealthOf(node).DebugString(); }

int64_t Members(const SluiceProcess& node) {
  return testing::JsonInt(testing::HttpGet(node.http_url() + "/v1/mesh/stats").body, "members");
}

// `seeder` seeds to `seed`, which drops everything it sends: the seeder must turn unhealthy
// (peer_count 1, saying no seed answered) and the seed must log and report the rejections.
void ExpectRejectedSeedIsVisible(const std::vector<std::string>& seed_args,
                                 const std::vector<std::string>& seeder_args,
                                 const std::string& reason) {
  const int seed_udp = FreeUdpPort();
  auto seed = MeshNode("seed", seed_udp, seed_args);
  std::vector<std::string> args = {"--peers", "127.0.0.1:" + std::to_string(seed_udp)};
  args.insert(args.end(), seeder_args.begin(), seeder_args.end());
  auto seeder = MeshNode("seeder", FreeUdpPort(), args);
  ASSERT_TRUE(seed->ready()) << seed->Output();
  ASSERT_TRUE(seeder->ready()) << seeder->Output();

  ASSERT_TRUE(Eventually([&] { return HealthOf(*seeder).status() == "unhealthy"; }, 10'000))
      << Health(*seeder);
  const auto health = HealthOf(*seeder);
  EXPECT_EQ(Members(*seeder), 1);
  EXPECT_NE(health.message().find("no seed answered"), std::string::npos) << health.message();
  EXPECT_TRUE(Eventually(
      [&] { return seeder->Output().find("] mesh: no seed answered") != std::string::npos; },
      5'000))
      << seeder->Output();

  EXPECT_TRUE(Eventually(
      [&] {
        return seed->Output().find("dropped a datagram from 127.0.0.1:") != std::string::npos &&
               seed->Output().find(": " + reason) != std::string::npos;
      },
      5'000))
      << seed->Output();
  const auto seed_health = HealthOf(*seed);
  EXPECT_EQ(seed_health.status(), "healthy") << "the seed itself has no seeds";
  EXPECT_NE(seed_health.message().find("degraded: mesh: rejected datagrams: " + reason),
            std::string::npos)
      << seed_health.message();
}

TEST(MeshHealthTest, SeedOfAnotherClusterIdIsReportedOnBothSides) {
  ExpectRejectedSeedIsVisible({"--mesh-cluster-id", "blue"}, {"--mesh-cluster-id", "green"},
                              "wrong_cluster");
}

TEST(MeshHealthTest, SeedWithAnotherSecretIsReportedOnBothSides) {
  ExpectRejectedSeedIsVisible(
      {"--mesh-secret-file", KeyFile("key-a", "the-first-shared-key-of-the-test")},
      {"--mesh-secret-file", KeyFile("key-b", "another-shared-key-for-the-test")}, "auth");
}

TEST(MeshHealthTest, DeadPeerIsLoggedAndTheSurvivorAloneIsUnhealthy) {
  MeshCluster mesh(2, {"--gossip-interval", "50ms", "--mesh-suspicion-timeout", "300ms"});
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(2));
  EXPECT_TRUE(Eventually(
      [&] {
        return mesh.process(1).Output().find("[info] mesh: node n0 (incarnation") !=
               std::string::npos;
      },
      5'000))
      << mesh.process(1).Output();
  EXPECT_EQ(HealthOf(mesh.process(1)).status(), "healthy") << Health(mesh.process(1));
  EXPECT_EQ(HealthOf(mesh.process(1)).peer_count(), 2);
  mesh.Kill(0);
  // n1 seeds to n0: alone, it grants its own copy of every limit.
  ASSERT_TRUE(
      Eventually([&] { return HealthOf(mesh.process(1)).status() == "unhealthy"; }, 10'000))
      << Health(mesh.process(1));
  const std::string health = HealthOf(mesh.process(1)).message();
  EXPECT_NE(health.find("every peer is unreachable"), std::string::npos) << health;
  EXPECT_NE(health.find("dead: n0 (127.0.0.1:"), std::string::npos) << health;
  const std::string log = mesh.process(1).Output();
  EXPECT_NE(log.find("[warning] mesh: node n0 (incarnation"), std::string::npos) << log;
  EXPECT_NE(log.find(") is suspect: no heartbeat for more than 300 ms"), std::string::npos) << log;
  EXPECT_NE(log.find(") is dead: no heartbeat for more than 600 ms"), std::string::npos) << log;
}

}  // namespace
}  // namespace sluice
