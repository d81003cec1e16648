#include "cluster/polling_membership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "absl/synchronization/mutex.h"
#include "testing/exposition.h"

namespace sluice::cluster {
namespace {

using ::testing::ElementsAre;

// Answers each poll with the next scripted result (the last one repeats) and counts Leave().
class ScriptedMembership final : public PollingMembership {
 public:
  explicit ScriptedMembership(std::deque<absl::StatusOr<std::vector<PeerInfo>>> script,
                              bool first_round_inline = true,
                              const MembershipMetrics* metrics = nullptr)
      : PollingMembership("scripted", "b:1", absl::Hours(1), first_round_inline, metrics),
        script_(std::move(script)) {}
  ~ScriptedMembership() override { Stop(); }

  using PollingMembership::RunRound;
  int leaves() const {
    absl::MutexLock lock(&mu_);
    return leaves_;
  }

 private:
  absl::Status ValidateOptions() const override { return absl::OkStatus(); }
  absl::StatusOr<std::vector<PeerInfo>> Poll() override {
    absl::MutexLock lock(&mu_);
    auto next = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return next;
  }
  void Leave() override {
    absl::MutexLock lock(&mu_);
    ++leaves_;
  }

  mutable absl::Mutex mu_;
  std::deque<absl::StatusOr<std::vector<PeerInfo>>> script_ ABSL_GUARDED_BY(mu_);
  int leaves_ ABSL_GUARDED_BY(mu_) = 0;
};

PeerInfo Peer(std::string address, bool self = false) {
  return PeerInfo{.grpc_address = std::move(address), .is_self = self};
}

TEST(PollingMembershipTest, SortsDeduplicatesMarksSelfAndReportsOnlyChanges) {
  obs::Registry registry;
  MembershipMetrics metrics{registry};
  ScriptedMembership m({std::vector<PeerInfo>{Peer("c:1"), Peer("b:1"), Peer("a:1"), Peer("c:1")},
                        std::vector<PeerInfo>{Peer("a:1"), Peer("b:1"), Peer("c:1")},
                        absl::UnavailableError("source down"),
                        std::vector<PeerInfo>{Peer("b:1")}},
                       /*first_round_inline=*/true, &metrics);
  std::vector<std::vector<PeerInfo>> reports;
  ASSERT_TRUE(m.Start([&](std::vector<PeerInfo> peers) { reports.push_back(peers); }).ok());
  ASSERT_EQ(reports.size(), 1u);  // the first round ran inline
  EXPECT_THAT(reports[0], ElementsAre(Peer("a:1"), Peer("b:1", true), Peer("c:1")));

  EXPECT_TRUE(m.RunRound().ok());  // the same list: not reported again
  EXPECT_EQ(reports.size(), 1u);
  EXPECT_EQ(m.RunRound().code(), absl::StatusCode::kUnavailable);  // failure keeps the list
  EXPECT_EQ(m.peers().size(), 3u);
  EXPECT_TRUE(m.RunRound().ok());
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_THAT(reports[1], ElementsAre(Peer("b:1", true)));

  // The counts, as /metrics exports them: 4 polls, 1 failed, 2 changes.
  const obs::Exposition counts = obs::ParseExposition(registry.Render());
  EXPECT_EQ(counts.Get(R"(sluice_discovery_polls_total{result="ok"})") +
                counts.Get(R"(sluice_discovery_polls_total{result="failed"})"),
            4);
  EXPECT_EQ(counts.Get(R"(sluice_discovery_polls_total{result="failed"})"), 1);
  EXPECT_EQ(counts.Get("sluice_discovery_changes_total"), 2);
}

TEST(PollingMembershipTest, StopLeavesOnceAndStartAfterStopFails) {
  ScriptedMembership m({std::vector<PeerInfo>{Peer("b:1")}}, /*first_round_inline=*/false);
  ASSERT_TRUE(m.Start([](std::vector<PeerInfo>) {}).ok());
  EXPECT_EQ(m.Start([](std::vector<PeerInfo>) {}).code(), absl::StatusCode::kFailedPrecondition);
  m.Stop();
  m.Stop();
  EXPECT_EQ(m.leaves(), 1);
  EXPECT_EQ(m.Start([](std::vector<PeerInfo>) {}).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(PollingMembershipTest, StopBeforeStartNeverLeaves) {
  ScriptedMembership m({std::vector<PeerInfo>{Peer("b:1")}});
  m.Stop();
  EXPECT_EQ(m.leaves(), 0);
}

}  // namespace
}  // namespace sluice::cluster
