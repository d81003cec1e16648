#include "cluster/dns_membership.h"

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/exposition.h"

namespace sluice::cluster {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A resolver whose answers the test sets; thread-safe because the loop thread may call it.
class FakeResolver {
 public:
  void Set(const std::string& fqdn, absl::StatusOr<std::vector<std::string>> answer) {
    absl::MutexLock lock(&mu_);
    answers_.insert_or_assign(fqdn, std::move(answer));
  }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  DnsResolver AsResolver() {
    return [this](std::string_view fqdn) -> absl::StatusOr<std::vector<std::string>> {
      absl::MutexLock lock(&mu_);
      ++calls_;
      auto it = answers_.find(std::string(fqdn));
      if (it == answers_.end()) return absl::NotFoundError("no such name");
      return it->second;
    };
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, absl::StatusOr<std::vector<std::string>>> answers_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// Records every list reported to on_change.
class Recorder {
 public:
  PeersChangedCallback Callback() {
    return [this](std::vector<PeerInfo> peers) {
      absl::MutexLock lock(&mu_);
      lists_.push_back(std::move(peers));
    };
  }
  std::vector<std::vector<PeerInfo>> lists() const {
    absl::MutexLock lock(&mu_);
    return lists_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::vector<PeerInfo>> lists_ ABSL_GUARDED_BY(mu_);
};

PeerInfo Peer(std::string grpc_address, bool is_self = false) {
  return PeerInfo{.grpc_address = std::move(grpc_address), .is_self = is_self};
}

class DnsMembershipTest : public ::testing::Test {
 protected:
  // Options whose loop never fires during a test: rounds run only in Start and ResolveOnce.
  DnsMembershipOptions Options(std::vector<std::string> fqdns = {"peers.svc.local"},
                               std::string advertise = "10.0.0.2:1051") {
    return DnsMembershipOptions{.fqdns = std::move(fqdns),
                                .advertise_address = std::move(advertise),
                                .interval = absl::Hours(1),
                                .resolver = resolver_.AsResolver()};
  }

  // A series as /metrics would export it, e.g. sluice_discovery_changes_total.
  double Metric(const std::string& series) const {
    return obs::ParseExposition(registry_.Render()).Get(series);
  }
  double Polls() const {
    return Metric(R"(sluice_discovery_polls_total{result="ok"})") + FailedPolls();
  }
  double FailedPolls() const { return Metric(R"(sluice_discovery_polls_total{result="failed"})"); }

  obs::Registry registry_;
  MembershipMetrics metrics_{registry_};
  FakeResolver resolver_;
  Recorder recorder_;
};

TEST_F(DnsMembershipTest, StartReportsSortedPeersWithAdvertisedPortAndSelf) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.3", "10.0.0.1", "10.0.0.2"});
  DnsMembership membership(Options(), &metrics_);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  // The first round ran inline, before Start returned.
  EXPECT_THAT(recorder_.lists(),
              ElementsAre(ElementsAre(Peer("10.0.0.1:1051"), Peer("10.0.0.2:1051", true),
                                      Peer("10.0.0.3:1051"))));
  EXPECT_EQ(membership.peers(), recorder_.lists()[0]);
}

TEST_F(DnsMembershipTest, ReportsOnlyWhenTheSortedListChanges) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  DnsMembership membership(Options(), &metrics_);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  ASSERT_EQ(recorder_.lists().size(), 1u);

  // Same addresses in another order: no change.
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.2", "10.0.0.1"});
  EXPECT_TRUE(membership.ResolveOnce().ok());
  EXPECT_EQ(recorder_.lists().size(), 1u);

  // A new member: reported.
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.2", "10.0.0.1", "10.0.0.4"});
  EXPECT_TRUE(membership.ResolveOnce().ok());
  ASSERT_EQ(recorder_.lists().size(), 2u);
  EXPECT_THAT(recorder_.lists()[1], ElementsAre(Peer("10.0.0.1:1051"), Peer("10.0.0.2:1051", true),
                                                Peer("10.0.0.4:1051")));

  // A member leaves: reported.
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.2"});
  EXPECT_TRUE(membership.ResolveOnce().ok());
  ASSERT_EQ(recorder_.lists().size(), 3u);
  EXPECT_THAT(recorder_.lists()[2], ElementsAre(Peer("10.0.0.2:1051", true)));

  EXPECT_EQ(Polls(), 4);
  EXPECT_EQ(FailedPolls(), 0);
  EXPECT_EQ(Metric("sluice_discovery_changes_total"), 3);
}

TEST_F(DnsMembershipTest, FailureKeepsTheLastGoodList) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  DnsMembership membership(Options(), &metrics_);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  const std::vector<PeerInfo> good = membership.peers();

  resolver_.Set("peers.svc.local", absl::UnavailableError("SERVFAIL"));
  absl::Status failed = membership.ResolveOnce();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(failed.message()), HasSubstr("peers.svc.local"));
  EXPECT_EQ(membership.peers(), good);
  EXPECT_EQ(recorder_.lists().size(), 1u);

  // Recovery with the same answer is not a change.
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  EXPECT_TRUE(membership.ResolveOnce().ok());
  EXPECT_EQ(recorder_.lists().size(), 1u);
  EXPECT_EQ(FailedPolls(), 1);
}

TEST_F(DnsMembershipTest, EmptyAnswerKeepsTheLastGoodList) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1"});
  DnsMembership membership(Options(), &metrics_);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());

  resolver_.Set("peers.svc.local", std::vector<std::string>{});
  EXPECT_EQ(membership.ResolveOnce().code(), absl::StatusCode::kNotFound);
  resolver_.Set("peers.svc.local", absl::NotFoundError("NXDOMAIN"));
  EXPECT_EQ(membership.ResolveOnce().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(membership.peers(), ElementsAre(Peer("10.0.0.1:1051")));
  EXPECT_EQ(recorder_.lists().size(), 1u);
  EXPECT_EQ(FailedPolls(), 2);
}

TEST_F(DnsMembershipTest, FailingFirstRoundReportsNothingUntilAGoodRound) {
  resolver_.Set("peers.svc.local", absl::UnavailableError("timeout"));
  DnsMembership membership(Options(), &metrics_);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  EXPECT_THAT(recorder_.lists(), IsEmpty());
  EXPECT_THAT(membership.peers(), IsEmpty());

  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.2"});
  EXPECT_TRUE(membership.ResolveOnce().ok());
  EXPECT_THAT(recorder_.lists(), ElementsAre(ElementsAre(Peer("10.0.0.2:1051", true))));
}

TEST_F(DnsMembershipTest, UnionsFqdnsAndDropsDuplicates) {
  resolver_.Set("a.svc.local", std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  resolver_.Set("b.svc.local", std::vector<std::string>{"10.0.0.2", "10.0.0.3"});
  DnsMembership membership(Options({"a.svc.local", "b.svc.local"}));
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  EXPECT_THAT(membership.peers(), ElementsAre(Peer("10.0.0.1:1051"), Peer("10.0.0.2:1051", true),
                                              Peer("10.0.0.3:1051")));
}

TEST_F(DnsMembershipTest, NameWithNoRecordsContributesNothingButOtherErrorsKeepTheList) {
  resolver_.Set("a.svc.local", std::vector<std::string>{"10.0.0.1"});
  resolver_.Set("b.svc.local", std::vector<std::string>{"10.0.0.2"});
  DnsMembership membership(Options({"a.svc.local", "b.svc.local"}));
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());

  // b is transiently failing: keep both.
  resolver_.Set("b.svc.local", absl::DeadlineExceededError("timeout"));
  EXPECT_EQ(membership.ResolveOnce().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(membership.peers().size(), 2u);

  // b no longer exists: its peers leave.
  resolver_.Set("b.svc.local", absl::NotFoundError("NXDOMAIN"));
  EXPECT_TRUE(membership.ResolveOnce().ok());
  EXPECT_THAT(membership.peers(), ElementsAre(Peer("10.0.0.1:1051")));
  EXPECT_EQ(recorder_.lists().size(), 2u);
}

TEST_F(DnsMembershipTest, BracketsIpv6AndRecognisesSelfByAdvertiseAddress) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"fd00::7", "10.0.0.1", "fd00::2"});
  DnsMembershipOptions options = Options({"peers.svc.local"}, "[fd00::7]:7000");
  options.http_port = 7001;
  DnsMembership membership(std::move(options));
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  EXPECT_EQ(
      membership.peers(),
      (std::vector<PeerInfo>{
          {.grpc_address = "10.0.0.1:7000", .http_address = "10.0.0.1:7001"},
          {.grpc_address = "[fd00::2]:7000", .http_address = "[fd00::2]:7001"},
          {.grpc_address = "[fd00::7]:7000", .http_address = "[fd00::7]:7001", .is_self = true},
      }));
}

TEST_F(DnsMembershipTest, AdvertiseAddressNotResolvedMeansNoSelf) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1"});
  // Advertised by name: the resolved IPs never equal it (self is never guessed from the bind
  // address or from IPs).
  DnsMembership membership(Options({"peers.svc.local"}, "pod-0.peers.svc.local:1051"));
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  EXPECT_THAT(membership.peers(), ElementsAre(Peer("10.0.0.1:1051")));
}

TEST_F(DnsMembershipTest, ResolveOnceBeforeStartDoesNotSwallowTheFirstReport) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1"});
  DnsMembership membership(Options(), &metrics_);
  EXPECT_TRUE(membership.ResolveOnce().ok());
  EXPECT_EQ(membership.peers().size(), 1u);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  EXPECT_EQ(recorder_.lists().size(), 1u);
}

TEST_F(DnsMembershipTest, NothingIsReportedAfterStop) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1"});
  DnsMembership membership(Options(), &metrics_);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  membership.Stop();  // returns at once although the interval is an hour
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  EXPECT_TRUE(membership.ResolveOnce().ok());
  EXPECT_EQ(recorder_.lists().size(), 1u);
  membership.Stop();  // idempotent
  EXPECT_EQ(membership.Start(recorder_.Callback()).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(DnsMembershipTest, StartTwiceFails) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1"});
  DnsMembership membership(Options(), &metrics_);
  ASSERT_TRUE(membership.Start(recorder_.Callback()).ok());
  EXPECT_EQ(membership.Start(recorder_.Callback()).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(DnsMembershipTest, RejectsBadOptions) {
  auto start_error = [this](DnsMembershipOptions options) {
    DnsMembership membership(std::move(options));
    absl::Status status = membership.Start(recorder_.Callback());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    return std::string(status.message());
  };
  EXPECT_THAT(start_error(Options({})), HasSubstr("FQDN"));
  EXPECT_THAT(start_error(Options({""})), HasSubstr("FQDN"));
  EXPECT_THAT(start_error(Options({"a"}, "10.0.0.1")), HasSubstr("\"10.0.0.1\""));
  DnsMembershipOptions no_interval = Options();
  no_interval.interval = absl::ZeroDuration();
  EXPECT_THAT(start_error(no_interval), HasSubstr("interval"));
  DnsMembershipOptions no_resolver = Options();
  no_resolver.resolver = nullptr;
  EXPECT_THAT(start_error(no_resolver), HasSubstr("resolver"));
  EXPECT_THAT(recorder_.lists(), IsEmpty());
  EXPECT_EQ(resolver_.calls(), 0);
}

TEST_F(DnsMembershipTest, BackgroundLoopPicksUpChanges) {
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1"});
  absl::Notification changed;
  DnsMembershipOptions options = Options();
  options.interval = absl::Milliseconds(1);
  DnsMembership membership(std::move(options));
  ASSERT_TRUE(membership
                  .Start([&changed](std::vector<PeerInfo> peers) {
                    if (peers.size() == 2 && !changed.HasBeenNotified()) changed.Notify();
                  })
                  .ok());
  resolver_.Set("peers.svc.local", std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  // Waits on the event, not a fixed sleep; the bound only stops a broken loop hanging the test.
  EXPECT_TRUE(changed.WaitForNotificationWithTimeout(absl::Seconds(30)));
  membership.Stop();
}

TEST(ResolveWithGetaddrinfoTest, ResolvesLiteralsAndHostsFile) {
  EXPECT_THAT(*ResolveWithGetaddrinfo("127.0.0.1"), ElementsAre("127.0.0.1"));
  EXPECT_THAT(*ResolveWithGetaddrinfo("::1"), ElementsAre("::1"));
  absl::StatusOr<std::vector<std::string>> localhost = ResolveWithGetaddrinfo("localhost");
  ASSERT_TRUE(localhost.ok()) << localhost.status();
  EXPECT_THAT(*localhost, Contains(testing::AnyOf("127.0.0.1", "::1")));
}

}  // namespace
}  // namespace sluice::cluster
