#include "cluster/static_membership.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

using ::testing::HasSubstr;

// Starts `membership` and returns every list it reported.
std::vector<std::vector<PeerInfo>> StartAndCollect(StaticMembership& membership,
                                                   absl::Status* status) {
  std::vector<std::vector<PeerInfo>> calls;
  *status = membership.Start([&calls](std::vector<PeerInfo> peers) { calls.push_back(peers); });
  return calls;
}

TEST(StaticMembershipTest, ReportsTheListOnceWithSelfMarked) {
  StaticMembership membership({"10.0.0.1:1051", "10.0.0.2:1051", "[fd00::3]:1051"},
                              "10.0.0.2:1051");
  absl::Status status;
  auto calls = StartAndCollect(membership, &status);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], (std::vector<PeerInfo>{{.grpc_address = "10.0.0.1:1051"},
                                             {.grpc_address = "10.0.0.2:1051", .is_self = true},
                                             {.grpc_address = "[fd00::3]:1051"}}));
  membership.Stop();
  membership.Stop();
}

TEST(StaticMembershipTest, AddsSelfWhenTheListOmitsIt) {
  StaticMembership membership({"10.0.0.1:1051"}, "10.0.0.9:1051");
  absl::Status status;
  auto calls = StartAndCollect(membership, &status);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], (std::vector<PeerInfo>{{.grpc_address = "10.0.0.1:1051"},
                                             {.grpc_address = "10.0.0.9:1051", .is_self = true}}));
}

TEST(StaticMembershipTest, EmptyListIsASingleNodeCluster) {
  StaticMembership membership({}, "localhost:1051");
  absl::Status status;
  auto calls = StartAndCollect(membership, &status);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], (std::vector<PeerInfo>{{.grpc_address = "localhost:1051", .is_self = true}}));
}

TEST(StaticMembershipTest, ErrorsNameTheBadEntryAndReportNothing) {
  struct Case {
    std::vector<std::string> peers;
    std::string advertise;
    std::string want;
  };
  for (const Case& c : std::vector<Case>{
           {{"a:1051", "b:99999"}, "a:1051", "static peer #2: invalid address \"b:99999\""},
           {{"a:1051", "b"}, "a:1051", "static peer #2: invalid address \"b\""},
           {{":1051"}, "a:1051", "static peer #1: invalid address \":1051\""},
           {{"fd00::1:1051"}, "a:1051", "brackets"},
           {{""}, "a:1051", "static peer #1"},
           {{"a:1051", "b:1051", "a:1051"}, "a:1051", "static peer #3: \"a:1051\" is listed more"},
           {{"a:1051"}, "0.0.0.0", "advertise address: invalid address \"0.0.0.0\""},
       }) {
    StaticMembership membership(c.peers, c.advertise);
    absl::Status status;
    auto calls = StartAndCollect(membership, &status);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.want;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.want));
    EXPECT_TRUE(calls.empty());
  }
}

TEST(StaticMembershipTest, StartTwiceFails) {
  StaticMembership membership({"a:1051"}, "a:1051");
  absl::Status status;
  ASSERT_EQ(StartAndCollect(membership, &status).size(), 1u);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(StartAndCollect(membership, &status).empty());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
}

TEST(StaticMembershipTest, BuildPeersNeedsNoStart) {
  StaticMembership membership({"b:1051"}, "a:1051");
  absl::StatusOr<std::vector<PeerInfo>> peers = membership.BuildPeers();
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_EQ(peers->size(), 2u);
}

}  // namespace
}  // namespace sluice::cluster
