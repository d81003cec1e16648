#include "mesh/mesh_health_report.h"

#include <gtest/gtest.h>

namespace sluice::mesh {
namespace {

cluster::PeerInfo Peer(const std::string& address, bool self = false) {
  return cluster::PeerInfo{.grpc_address = address, .is_self = self};
}

MeshHealthInputs Alone() {
  MeshHealthInputs in;
  in.advertise_address = "127.0.0.1:1051";
  in.members = {Peer("127.0.0.1:1051", true)};
  in.seeds = {"127.0.0.1:7947"};
  in.running_ms = 5000;
  in.grace_ms = 3000;
  return in;
}

TEST(MeshHealthReportTest, AloneWithSeedsAfterTheGraceIsUnhealthy) {
  auto report = MeshHealthReport(Alone());
  EXPECT_FALSE(report.healthy);
  EXPECT_EQ(report.peer_count, 1);
  EXPECT_NE(report.message.find("no seed answered in 5 s (seeds: 127.0.0.1:7947)"),
            std::string::npos)
      << report.message;
  EXPECT_NE(report.message.find("--mesh-cluster-id"), std::string::npos);

  MeshHealthInputs rejected = Alone();
  rejected.rejections = {"wrong_cluster from 127.0.0.1:7947, 4 since start"};
  report = MeshHealthReport(rejected);
  EXPECT_FALSE(report.healthy);
  EXPECT_NE(report.message.find("rejected datagrams: wrong_cluster from 127.0.0.1:7947"),
            std::string::npos);

  MeshHealthInputs deserted = Alone();
  deserted.ever_joined = true;
  deserted.dead = {"b (127.0.0.1:7947)"};
  report = MeshHealthReport(deserted);
  EXPECT_FALSE(report.healthy);
  EXPECT_NE(report.message.find("every peer is unreachable"), std::string::npos);
  EXPECT_NE(report.message.find("dead: b (127.0.0.1:7947)"), std::string::npos);
}

TEST(MeshHealthReportTest, JoiningTimeAndSeedlessNodesAreHealthy) {
  MeshHealthInputs joining = Alone();
  joining.running_ms = 1000;
  EXPECT_TRUE(MeshHealthReport(joining).healthy);
  MeshHealthInputs first = Alone();
  first.seeds.clear();  // the first node of a mesh: the others seed to it
  auto report = MeshHealthReport(first);
  EXPECT_TRUE(report.healthy);
  EXPECT_EQ(report.message, "");
}

TEST(MeshHealthReportTest, SuspectDeadAndRejectionsDegradeAHealthyNode) {
  MeshHealthInputs in = Alone();
  in.members.push_back(Peer("127.0.0.1:2051"));
  in.suspect = {"b (127.0.0.1:7947)"};
  in.dead = {"c (127.0.0.1:7948)"};
  in.rejections = {"auth (another or no --mesh-secret-file) from 127.0.0.1:7949, 1 since start"};
  auto report = MeshHealthReport(in);
  EXPECT_TRUE(report.healthy);
  EXPECT_EQ(report.peer_count, 2);
  EXPECT_EQ(report.message,
            "degraded: mesh: suspect: b (127.0.0.1:7947)|mesh: dead: c (127.0.0.1:7948)|mesh: "
            "rejected datagrams: auth (another or no --mesh-secret-file) from 127.0.0.1:7949, 1 "
            "since start");
}

}  // namespace
}  // namespace sluice::mesh
