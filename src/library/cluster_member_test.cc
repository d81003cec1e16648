// sluice::ClusterMember through its public header: bad settings are refused with a message naming
// them; a standalone member decides on its own; two members on one host's gRPC servers form a
// cluster and a key the second owns is counted there.
#include "sluice/cluster_member.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "testing/free_port.h"

namespace {

sluice::Request Hit(const std::string& key, int64_t hits, int64_t limit = 3) {
  return {.name = "api", .unique_key = key, .hits = hits, .limit = limit, .duration = 60'000};
}

// A host program's server with a member's services on it.
struct Host {
  explicit Host(std::vector<std::string> settings)
      : address("127.0.0.1:" + std::to_string(sluice::testing::FreeLoopbackPort())) {
    Start(std::move(settings));
  }
  Host(std::string at, std::vector<std::string> settings) : address(std::move(at)) {
    Start(std::move(settings));
  }
  ~Host() {
    if (!member) return;
    member->Leave();
    if (server) server->Shutdown();
    member->Stop();
  }
  void Start(std::vector<std::string> settings) {
    sluice::Status created = sluice::ClusterMember::Create(
        {.advertise_address = address, .settings = std::move(settings)}, &member);
    ASSERT_TRUE(created.ok()) << created.message();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    member->RegisterServices(builder);
    server = builder.BuildAndStart();
    ASSERT_NE(server, nullptr) << address;
    sluice::Status joined = member->Join();
    ASSERT_TRUE(joined.ok()) << joined.message();
  }

  std::string address;
  std::unique_ptr<sluice::ClusterMember> member;
  std::unique_ptr<grpc::Server> server;
};

TEST(ClusterMemberTest, BadSettingsAreRefusedByName) {
  std::unique_ptr<sluice::ClusterMember> member;
  sluice::Status status =
      sluice::ClusterMember::Create({.advertise_address = "127.0.0.1:1051",
                                     .settings = {"--no-such-setting=1"}},
                                    &member);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no-such-setting"), std::string::npos) << status.message();
  EXPECT_EQ(member, nullptr);

  status = sluice::ClusterMember::Create({.advertise_address = ""}, &member);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("advertise_address"), std::string::npos) << status.message();

  status = sluice::ClusterMember::Create(
      {.advertise_address = "127.0.0.1:1051", .settings = {"--cache-size=many"}}, &member);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("cache-size"), std::string::npos) << status.message();
}

TEST(ClusterMemberTest, AStandaloneMemberDecidesAlone) {
  Host host(std::vector<std::string>{});
  ASSERT_NE(host.member, nullptr);
  std::vector<sluice::Request> requests = {Hit("a", 2), Hit("a", 1), Hit("a", 1),
                                           {.name = "", .unique_key = "b"}};
  std::vector<sluice::RoutedAnswer> answers = host.member->Check(requests);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].answer.remaining, 1);
  EXPECT_TRUE(answers[1].answer.under_limit());
  EXPECT_EQ(answers[1].answer.remaining, 0);
  EXPECT_EQ(answers[2].answer.status, sluice::LimitStatus::kOverLimit);
  EXPECT_EQ(answers[3].answer.error, "field 'namespace' cannot be empty");
  for (const auto& a : answers) EXPECT_EQ(a.owner, "");
  // The decisions are counted in the member's metrics, for the host's /metrics.
  EXPECT_NE(host.member->MetricsText().find("gubernator_getratelimit_counter"), std::string::npos);
}

TEST(ClusterMemberTest, TwoMembersFormAClusterAndTheOwnerCounts) {
  const std::string a = "127.0.0.1:" + std::to_string(sluice::testing::FreeLoopbackPort());
  const std::string b = "127.0.0.1:" + std::to_string(sluice::testing::FreeLoopbackPort());
  // fnv1a: Gubernator's default fnv1 can give one of two loopback ports almost no keys.
  const std::vector<std::string> settings = {"--peers=" + a + "," + b, "--peer-picker-hash=fnv1a"};
  Host first(a, settings);
  Host second(b, settings);
  ASSERT_NE(first.member, nullptr);
  ASSERT_NE(second.member, nullptr);

  // The ring decides which keys the second member owns; with two loopback ports it can be very
  // uneven, so batches of fresh keys are asked until both members own some (at most 1,000 keys).
  int forwarded = 0;
  int local = 0;
  for (int batch = 0; batch < 25 && (forwarded == 0 || local == 0); ++batch) {
    std::vector<sluice::Request> requests;
    for (int i = 0; i < 40; ++i) {
      requests.push_back(Hit("k" + std::to_string(batch * 40 + i), 2, 10));
    }
    std::vector<sluice::RoutedAnswer> answers = first.member->Check(requests);
    ASSERT_EQ(answers.size(), requests.size());
    for (size_t i = 0; i < answers.size(); ++i) {
      ASSERT_EQ(answers[i].answer.error, "") << requests[i].unique_key;
      EXPECT_EQ(answers[i].answer.remaining, 8) << requests[i].unique_key;
      if (answers[i].owner.empty()) {
        ++local;
        continue;
      }
      EXPECT_EQ(answers[i].owner, b);
      ++forwarded;
      const std::vector<sluice::Request> read = {Hit(requests[i].unique_key, 0, 10)};
      sluice::RoutedAnswer there = second.member->Check(read)[0];
      EXPECT_EQ(there.owner, "") << "the second member owns " << requests[i].unique_key;
      EXPECT_EQ(there.answer.remaining, 8) << requests[i].unique_key;
    }
  }
  EXPECT_GT(forwarded, 0);
  EXPECT_GT(local, 0);
}

}  // namespace
