#include "cluster/cluster_router.h"

#include "absl/synchronization/notification.h"
#include "cluster/cluster_health.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "testing/exposition.h"
#include "testing/fake_peer_client.h"
#include "core/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1'700'000'000'000;

std::vector<PeerInfo> Peers(std::vector<std::string> addresses) {
  std::vector<PeerInfo> out;
  for (auto& a : addresses) out.push_back(PeerInfo{.grpc_address = a, .is_self = a == "a:1"});
  return out;
}

class ClusterRouterTest : public ::testing::Test {
 protected:
  void Make(ClusterRouterOptions options = {}) {
    router_ = std::make_unique<ClusterRouter>(limiter_, clock_, fakes_.Factory(), options, &metrics_);
    ASSERT_TRUE(router_->SetPeers(Peers({"a:1", "b:1", "c:1"})).ok());
  }

  std::string KeyOwnedBy(const std::string& owner) {
    auto view = router_->view();
    for (int i = 0;; ++i) {
      std::string key = "k" + std::to_string(i);
      if (view->ring.Owner(core::HashKey("n", key))->grpc_address == owner) return key;
    }
  }

  static core::RateLimitRequest Request(const std::string& key, int64_t hits = 1,
                                        int32_t behavior = 0) {
    return core::RateLimitRequest{.name = "n",
                                  .unique_key = key,
                                  .hits = hits,
                                  .limit = 10,
                                  .duration = 60'000,
                                  .behavior = behavior,
                                  .created_at = kNow};
  }

  // Routes and waits for the answers.
  std::vector<RoutedResponse> Route(std::vector<core::RateLimitRequest> requests) {
    std::vector<RoutedResponse> out;
    absl::Notification done;
    int calls = 0;
    router_->Route(std::move(requests), kNow, [&](std::vector<RoutedResponse> r) {
      out = std::move(r);
      ++calls;
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
    EXPECT_EQ(calls, 1);
    return out;
  }

  static absl::StatusOr<core::RateLimitResponse> Remote(const core::RateLimitRequest& r) {
    return core::RateLimitResponse{.limit = r.limit, .remaining = 42};
  }

  // A series as /metrics would export it, e.g. sluice_routed_items_total{route="owner"}.
  double Metric(const std::string& series) const {
    return obs::ParseExposition(registry_.Render()).Get(series);
  }

  core::ManualClock clock_{kNow};
  core::Store store_;
  core::Limiter limiter_{store_};
  FakePeerClient::Registry fakes_;
  obs::Registry registry_;
  ClusterMetrics metrics_{registry_};
  std::unique_ptr<ClusterRouter> router_;
};

TEST_F(ClusterRouterTest, OwnedKeysAreEvaluatedHereWithoutOwnerMetadata) {
  fakes_.answer = Remote;
  Make();
  auto out = Route({Request(KeyOwnedBy("a:1"), 3)});
  EXPECT_EQ(out[0].response.remaining, 7);
  EXPECT_EQ(out[0].owner, "");
  EXPECT_EQ(Metric(R"(sluice_routed_items_total{route="owner"})"), 1);
}

TEST_F(ClusterRouterTest, OtherKeysAreForwardedToTheirOwnerAndNamedInMetadata) {
  fakes_.answer = Remote;
  Make();
  const std::string b_key = KeyOwnedBy("b:1"), c_key = KeyOwnedBy("c:1");
  auto out = Route({Request(b_key), Request(KeyOwnedBy("a:1")), Request(c_key)});
  EXPECT_EQ(out[0].response.remaining, 42);
  EXPECT_EQ(out[0].owner, "b:1");
  EXPECT_EQ(out[1].response.remaining, 9);
  EXPECT_EQ(out[2].owner, "c:1");
  ASSERT_EQ(fakes_.Find("b:1")->forwarded().size(), 1u);
  EXPECT_EQ(fakes_.Find("b:1")->forwarded()[0].unique_key, b_key);
}

TEST_F(ClusterRouterTest, DoneRunsOnceAfterTheLastAnswer) {
  Make();  // fakes hold forwards until completed
  const std::string b_key = KeyOwnedBy("b:1");
  bool called = false;
  router_->Route({Request(b_key), Request(KeyOwnedBy("a:1"))}, kNow,
                 [&](std::vector<RoutedResponse>) { called = true; });
  EXPECT_FALSE(called);
  fakes_.Find("b:1")->CompleteForwards(Remote);
  EXPECT_TRUE(called);
}

TEST_F(ClusterRouterTest, PeerFailuresArePerItemErrorsNamingKeyAndPeer) {
  fakes_.answer = [](const core::RateLimitRequest&) -> absl::StatusOr<core::RateLimitResponse> {
    return absl::UnavailableError("GetPeerRateLimits to peer b:1: UNAVAILABLE: connection refused");
  };
  Make();
  const std::string key = KeyOwnedBy("b:1");
  auto out = Route({Request(key), Request(KeyOwnedBy("a:1"))});
  EXPECT_EQ(out[0].response.error,
            "while fetching rate limit 'n_" + key +
                "' from peer: GetPeerRateLimits to peer b:1: UNAVAILABLE: connection refused");
  EXPECT_EQ(out[0].owner, "b:1");
  EXPECT_TRUE(out[1].response.error.empty()) << "the rest of the batch is served";
  EXPECT_EQ(Metric(R"(sluice_routed_items_total{route="peer_error"})"), 1);
}

TEST_F(ClusterRouterTest, FailOpenAnswersFromTheLocalLimiter) {
  fakes_.answer = [](const core::RateLimitRequest&) -> absl::StatusOr<core::RateLimitResponse> {
    return absl::UnavailableError("down");
  };
  Make({.fail_open = true});
  auto out = Route({Request(KeyOwnedBy("b:1"), 4)});
  EXPECT_TRUE(out[0].response.error.empty());
  EXPECT_EQ(out[0].response.remaining, 6);
  EXPECT_EQ(out[0].owner, "b:1");
  EXPECT_EQ(Metric(R"(sluice_routed_items_total{route="fail_open"})"), 1);
}

TEST_F(ClusterRouterTest, OnPeerFailureAllowAndDenyAnswerWithoutCounting) {
  fakes_.answer = [](const core::RateLimitRequest&) -> absl::StatusOr<core::RateLimitResponse> {
    return absl::UnavailableError("down");
  };
  Make({.on_peer_failure = PeerFailurePolicy::kAllow});
  const std::string key = KeyOwnedBy("b:1");
  auto allowed = Route({Request(key, 4)});
  EXPECT_TRUE(allowed[0].response.error.empty());
  EXPECT_EQ(allowed[0].response.status, core::Status::kUnderLimit);
  EXPECT_EQ(allowed[0].response.remaining, 10);
  EXPECT_EQ(allowed[0].owner, "b:1");
  EXPECT_EQ(Metric(R"(sluice_peer_failure_answers_total{policy="allow"})"), 1);
  EXPECT_EQ(store_.Size(), 0u) << "nothing counted here";

  Make({.on_peer_failure = PeerFailurePolicy::kDeny});
  auto denied = Route({Request(KeyOwnedBy("b:1"), 1)});
  EXPECT_TRUE(denied[0].response.error.empty());
  EXPECT_EQ(denied[0].response.status, core::Status::kOverLimit);
  EXPECT_EQ(Metric(R"(sluice_peer_failure_answers_total{policy="deny"})"), 1);
  EXPECT_EQ(Metric(R"(sluice_routed_items_total{route="peer_error"})"), 0);
}

TEST_F(ClusterRouterTest, OnPeerFailureLocalSharesTheLimitAmongHealthyNodes) {
  fakes_.answer = [](const core::RateLimitRequest&) -> absl::StatusOr<core::RateLimitResponse> {
    return absl::UnavailableError("down");
  };
  Make({.on_peer_failure = PeerFailurePolicy::kLocal});
  // a, b, c; b fails: 2 healthy nodes share a limit of 10 → 5 here.
  const std::string key = KeyOwnedBy("b:1");
  auto first = Route({Request(key, 4)});
  EXPECT_TRUE(first[0].response.error.empty());
  EXPECT_EQ(first[0].response.limit, 5);
  EXPECT_EQ(first[0].response.remaining, 1);
  EXPECT_EQ(Route({Request(key, 2)})[0].response.status, core::Status::kOverLimit);
  EXPECT_EQ(Metric(R"(sluice_peer_failure_answers_total{policy="local"})"), 2);
  // A second owner fails too: only this node is left, with the whole limit.
  const std::string other = KeyOwnedBy("c:1");
  auto alone = Route({Request(other, 4)});
  EXPECT_EQ(alone[0].response.limit, 10);
  EXPECT_EQ(alone[0].response.remaining, 6);
}

TEST_F(ClusterRouterTest, CancelledForwardsFollowTheNewOwner) {
  Make();
  const std::string key = KeyOwnedBy("b:1");
  std::vector<RoutedResponse> out;
  router_->Route({Request(key, 2)}, kNow,
                 [&](std::vector<RoutedResponse> r) { out = std::move(r); });
  // b leaves: its client is shut down and the held forward... is cancelled by the fake only on
  // the next call, so complete it with CANCELLED as a real client would.
  ASSERT_TRUE(router_->SetPeers(Peers({"a:1", "c:1"})).ok());
  EXPECT_TRUE(fakes_.Find("b:1")->shut_down());
  fakes_.Find("c:1")->SetAnswer(Remote);
  fakes_.Find("b:1")->CompleteForwards(
      [](const core::RateLimitRequest&) -> absl::StatusOr<core::RateLimitResponse> {
        return absl::CancelledError("shut down");
      });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].response.error.empty()) << out[0].response.error;
  const std::string new_owner = router_->view()->ring.Owner("n_" + key)->grpc_address;
  EXPECT_EQ(out[0].owner, new_owner == "a:1" ? "" : new_owner);
  EXPECT_EQ(Metric(R"(sluice_peer_retries_total)"), 1);
}

TEST_F(ClusterRouterTest, ATimedOutOwnerThatIsStillTheOwnerIsNotRetried) {
  fakes_.answer = [](const core::RateLimitRequest&) -> absl::StatusOr<core::RateLimitResponse> {
    return absl::DeadlineExceededError("GetPeerRateLimits to peer b:1: DEADLINE_EXCEEDED");
  };
  Make();
  const std::string key = KeyOwnedBy("b:1");
  auto out = Route({Request(key)});
  EXPECT_THAT(out[0].response.error, StartsWith("while fetching rate limit 'n_" + key));
  EXPECT_EQ(Metric(R"(sluice_peer_retries_total)"), 0);
}

TEST_F(ClusterRouterTest, RetriesEndAfterFive) {
  fakes_.answer = [](const core::RateLimitRequest&) -> absl::StatusOr<core::RateLimitResponse> {
    return absl::CancelledError("closing");
  };
  Make();
  const std::string key = KeyOwnedBy("b:1");
  auto out = Route({Request(key)});
  EXPECT_EQ(out[0].response.error,
            "GetPeer() keeps returning peers that are not connected for 'n_" + key + "': closing");
  EXPECT_EQ(Metric(R"(sluice_peer_retries_total)"), 5);
  EXPECT_EQ(fakes_.Find("b:1")->forwarded().size(), 6u);
}

TEST_F(ClusterRouterTest, GlobalKeysAreAnsweredFromTheReplicaAndQueuedForTheOwner) {
  fakes_.answer = Remote;
  Make();
  const std::string key = KeyOwnedBy("b:1");
  auto out = Route({Request(key, 3, core::behavior::kGlobal)});
  EXPECT_EQ(out[0].response.remaining, 7);
  EXPECT_EQ(out[0].owner, "b:1");
  EXPECT_TRUE(fakes_.Find("b:1")->forwarded().empty());
  EXPECT_EQ(router_->global_sync().queued().first, 1u);
  EXPECT_EQ(Metric(R"(sluice_routed_items_total{route="global_replica"})"), 1);

  core::RateLimitRequest bad = Request(key, 1, core::behavior::kGlobal);
  bad.algorithm = 9;
  out = Route({bad});
  EXPECT_EQ(out[0].response.error,
            "Error in getGlobalRateLimit: during in getLocalRateLimit: during "
            "workerPool.GetRateLimit: Invalid rate limit algorithm '9'");
}

TEST_F(ClusterRouterTest, GlobalKeysOwnedHereAreQueuedForBroadcast) {
  Make();
  Route({Request(KeyOwnedBy("a:1"), 1, core::behavior::kGlobal)});
  EXPECT_EQ(router_->global_sync().queued().second, 1u);
}

TEST_F(ClusterRouterTest, ForceGlobalMakesEveryRequestGlobal) {
  Make({.force_global = true});
  auto out = Route({Request(KeyOwnedBy("b:1"))});
  EXPECT_EQ(out[0].response.remaining, 9);
  EXPECT_TRUE(fakes_.Find("b:1")->forwarded().empty());
}

TEST_F(ClusterRouterTest, AnEmptyRingIsAnItemError) {
  router_ =
      std::make_unique<ClusterRouter>(limiter_, clock_, fakes_.Factory(), ClusterRouterOptions{});
  auto out = Route({Request("k")});
  EXPECT_EQ(out[0].response.error,
            "Error in GetPeer, looking up peer that owns rate limit 'n_k': Error in "
            "conf.LocalPicker.Get: unable to pick a peer; pool is empty");
}

// Membership found after start-up (etcd, DNS, k8s) puts a peer on another host while this node
// advertises loopback: logged as an error and reported unhealthy.
TEST_F(ClusterRouterTest, ALaterPeerOnAnotherHostOfALoopbackNodeIsLoggedAndUnhealthy) {
  router_ = std::make_unique<ClusterRouter>(limiter_, clock_, fakes_.Factory(),
                                            ClusterRouterOptions{});
  ClusterHealth health([this] { return router_->view(); }, "127.0.0.1:81");
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  ASSERT_TRUE(router_
                  ->SetPeers({{.grpc_address = "127.0.0.1:81", .is_self = true},
                              {.grpc_address = "127.0.0.1:82"}})
                  .ok());
  const bool healthy_on_one_machine = health.Report(kNow).healthy;
  const std::string quiet = log.str();
  ASSERT_TRUE(router_
                  ->SetPeers({{.grpc_address = "127.0.0.1:81", .is_self = true},
                              {.grpc_address = "127.0.0.1:82"},
                              {.grpc_address = "10.1.2.3:81"}})
                  .ok());
  spdlog::set_default_logger(previous);
  EXPECT_TRUE(healthy_on_one_machine);
  EXPECT_THAT(quiet, ::testing::Not(HasSubstr("loopback")));
  EXPECT_THAT(log.str(), HasSubstr("[error] cluster: this node advertises 127.0.0.1:81, a "
                                   "loopback address, but peer 10.1.2.3:81 is on another host"));
  const HealthReport r = health.Report(kNow);
  EXPECT_FALSE(r.healthy);
  EXPECT_THAT(r.message, HasSubstr("peer 10.1.2.3:81 is on another host"));
}

TEST_F(ClusterRouterTest, InvalidPeerListsKeepThePreviousView) {
  Make();
  EXPECT_FALSE(router_->SetPeers(Peers({"a:1", "a:1"})).ok());
  EXPECT_EQ(router_->view()->ring.size(), 3u);
}

}  // namespace
}  // namespace sluice::cluster
