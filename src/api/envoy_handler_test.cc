#include "api/envoy_handler.h"

#include <gtest/gtest.h>

#include <functional>

#include "cluster/router.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "obs/registry.h"
#include "api/door_metrics.h"
#include "rules/rule_store.h"
#include "testing/rules_test_util.h"

namespace sluice::api {
namespace {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;

constexpr char kRules[] = R"(
domain: shop
descriptors:
  - key: generic_key
    value: limited
    rate_limit: {unit: second, requests_per_unit: 5, name: five-per-second}
  - key: generic_key
    value: free
    rate_limit: {unlimited: true}
  - key: user
    rate_limit: {unit: minute, requests_per_unit: 2}
    descriptors:
      - key: path
        rate_limit: {unit: hour, requests_per_unit: 100}
  - key: shadow
    shadow_mode: true
    rate_limit: {unit: second, requests_per_unit: 1}
  - key: tenant
    value: big
    rate_limit: {unit: second, requests_per_unit: 1000, name: tenant-big, replaces: [{name: per-tenant}]}
  - key: tenant
    rate_limit: {unit: second, requests_per_unit: 1, name: per-tenant}
  - key: bucket
    rate_limit: {unit: second, requests_per_unit: 3, algorithm: token_bucket}
  - key: slow
    rate_limit: {unit: second, unit_multiplier: 30, requests_per_unit: 2}
  - key: sliding
    rate_limit: {unit: second, requests_per_unit: 4, algorithm: sliding_window}
  - key: pair
    rate_limits:
      - {unit: second, requests_per_unit: 3, name: pair-second}
      - {unit: minute, requests_per_unit: 5, name: pair-minute}
)";

class EnvoyHandlerTest : public ::testing::Test {
 protected:
  EnvoyHandlerTest() {
    std::shared_ptr<const rules::RuleSet> set = rules::testutil::RuleSetFromYaml(kRules);
    EXPECT_NE(set, nullptr);
    rules_.Replace(set);
  }

  absl::Status Call(const RateLimitRequest& req, RateLimitResponse* resp) {
    absl::Status result = absl::InternalError("done not called");
    handler_.ShouldRateLimit(req, resp, [&](absl::Status s) { result = s; });
    return result;
  }

  static RateLimitRequest Request(std::vector<std::vector<std::pair<std::string, std::string>>> ds,
                                  uint32_t addend = 0) {
    RateLimitRequest req;
    req.set_domain("shop");
    req.set_hits_addend(addend);
    for (const auto& d : ds) {
      auto* desc = req.add_descriptors();
      for (const auto& [k, v] : d) {
        auto* e = desc->add_entries();
        e->set_key(k);
        e->set_value(v);
      }
    }
    return req;
  }

  RateLimitResponse Check(const RateLimitRequest& req) {
    RateLimitResponse resp;
    EXPECT_TRUE(Call(req, &resp).ok());
    return resp;
  }

  core::ManualClock clock_{1'700'000'000'250};
  core::Store store_;
  core::Limiter limiter_{store_};
  cluster::LocalRouter router_{limiter_};
  rules::RuleStore rules_{""};
  EnvoyOptions options_;
  EnvoyHandler handler_{router_, clock_, rules_, options_};
};

TEST_F(EnvoyHandlerTest, FivePerSecondThenOverLimitThenNextWindow) {
  auto req = Request({{{"generic_key", "limited"}}});
  for (int i = 0; i < 5; ++i) {
    auto resp = Check(req);
    EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK) << i;
    ASSERT_EQ(resp.statuses_size(), 1);
    const auto& s = resp.statuses(0);
    EXPECT_EQ(s.code(), RateLimitResponse::OK);
    EXPECT_EQ(s.current_limit().requests_per_unit(), 5u);
    EXPECT_EQ(s.current_limit().unit(), RateLimitResponse::RateLimit::SECOND);
    EXPECT_EQ(s.current_limit().name(), "five-per-second");
    EXPECT_EQ(s.limit_remaining(), static_cast<uint32_t>(4 - i));
    // 750 ms left: whole seconds rounded up, as the reference answers (Envoy reads seconds).
    EXPECT_EQ(s.duration_until_reset().seconds(), 1);
    EXPECT_EQ(s.duration_until_reset().nanos(), 0);
  }
  auto over = Check(req);
  EXPECT_EQ(over.overall_code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(over.statuses(0).code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(over.statuses(0).limit_remaining(), 0u);
  clock_.Advance(750);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OK);
}

// An exact rule's counter carries a store hash computed at load; the entry it counts on must be
// the one any other door reaches by its key (here: read back with the key alone).
TEST_F(EnvoyHandlerTest, PrecomputedCounterIsTheStoreEntryOfItsKey) {
  for (int i = 0; i < 3; ++i) Check(Request({{{"generic_key", "limited"}}}));
  const std::string key = core::HashKey("envoy", "shop_generic_key_limited_second");
  auto item = store_.Peek(key, clock_.NowMillis());
  ASSERT_TRUE(item.has_value()) << key;
  EXPECT_EQ(std::get<core::FixedWindowState>(item->state).count, 3);
  EXPECT_EQ(store_.Size(), 1u);
  RateLimitResponse resp = Check(Request({{{"generic_key", "limited"}}}));
  EXPECT_EQ(resp.statuses(0).limit_remaining(), 1u);  // 5 per second, the 4th hit
}

// 30-second windows aligned to the epoch: now is 1'700'000'000.25 s, 20.25 s into its window.
TEST_F(EnvoyHandlerTest, UnitMultiplierWindowsAreAlignedToTheEpoch) {
  auto req = Request({{{"slow", "x"}}});
  for (int i = 0; i < 2; ++i) {
    auto resp = Check(req);
    const auto& s = resp.statuses(0);
    EXPECT_EQ(s.code(), RateLimitResponse::OK) << i;
    EXPECT_EQ(s.current_limit().requests_per_unit(), 2u);
    EXPECT_EQ(s.current_limit().unit(), RateLimitResponse::RateLimit::SECOND);
    EXPECT_EQ(s.duration_until_reset().seconds(), 10);  // 9.75 s, rounded up
  }
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);
  clock_.Advance(9'749);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);
  clock_.Advance(1);
  auto next = Check(req);
  EXPECT_EQ(next.overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(next.statuses(0).duration_until_reset().seconds(), 30);
  const std::string key = core::HashKey("envoy", "shop_slow_x_30second");
  EXPECT_TRUE(store_.Peek(key, clock_.NowMillis()).has_value()) << key;
}

TEST_F(EnvoyHandlerTest, SlidingWindowRuleWeighsThePreviousWindow) {
  auto req = Request({{{"sliding", "x"}}});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OK) << i;
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);
  clock_.Advance(1000);  // 0.25 s into the next second: 3 of the previous 4 still count
  auto resp = Check(req);
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.statuses(0).limit_remaining(), 0u);
  // Free again once this second's hit has slid out: at the end of the next second (1.75 s).
  EXPECT_EQ(resp.statuses(0).duration_until_reset().seconds(), 2);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);
}

TEST_F(EnvoyHandlerTest, SeveralLimitsPassOnlyTogetherAndReportTheClosest) {
  auto req = Request({{{"pair", "x"}}});
  auto expect = [&](RateLimitResponse::Code code, const char* name, uint32_t remaining) {
    RateLimitResponse resp = Check(req);
    const auto& s = resp.statuses(0);
    EXPECT_EQ(s.code(), code);
    EXPECT_EQ(s.current_limit().name(), name);
    EXPECT_EQ(s.limit_remaining(), remaining);
  };
  expect(RateLimitResponse::OK, "pair-second", 2);  // 2 of 3 left beats 4 of 5
  expect(RateLimitResponse::OK, "pair-second", 1);
  expect(RateLimitResponse::OK, "pair-second", 0);
  expect(RateLimitResponse::OVER_LIMIT, "pair-second", 0);
  auto minute = [&] {
    auto item = store_.Peek(core::HashKey("envoy", "shop_pair_x_minute"), clock_.NowMillis());
    return item ? std::get<core::FixedWindowState>(item->state).count : -1;
  };
  EXPECT_EQ(minute(), 3) << "the rejection by the per-second limit consumed nothing";
  clock_.Advance(1000);
  expect(RateLimitResponse::OK, "pair-minute", 1);
  expect(RateLimitResponse::OK, "pair-minute", 0);
  expect(RateLimitResponse::OVER_LIMIT, "pair-minute", 0);
  auto second = store_.Peek(core::HashKey("envoy", "shop_pair_x_second"), clock_.NowMillis());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(std::get<core::FixedWindowState>(second->state).count, 2);
}

// Between the check and the count another client takes the last of the per-minute quota: the
// per-second limit, counted in the same round, gives its hit back.
TEST_F(EnvoyHandlerTest, SeveralLimitsRefundWhenTheCountLosesARace) {
  class RacingRouter : public cluster::Router {
   public:
    RacingRouter(cluster::Router& inner, std::function<void()> race)
        : inner_(inner), race_(std::move(race)) {}
    void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) override {
      if (++calls_ == 2) race_();
      inner_.Route(std::move(requests), now, std::move(done));
    }

   private:
    cluster::Router& inner_;
    std::function<void()> race_;
    int calls_ = 0;
  };
  RacingRouter racing(router_, [&] {
    core::RateLimitRequest other;
    other.name = "envoy";
    other.unique_key = "shop_pair_x_minute";
    other.hits = 5;
    other.limit = 5;
    other.duration = 60'000;
    other.algorithm = static_cast<int32_t>(core::Algorithm::kFixedWindow);
    other.created_at = clock_.NowMillis();
    limiter_.Check(other, clock_.NowMillis());
  });
  EnvoyHandler handler(racing, clock_, rules_, options_);
  RateLimitResponse resp;
  absl::Status status = absl::InternalError("done not called");
  handler.ShouldRateLimit(Request({{{"pair", "x"}}}), &resp,
                          [&](absl::Status s) { status = s; });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(resp.statuses(0).current_limit().name(), "pair-minute");
  auto second = store_.Peek(core::HashKey("envoy", "shop_pair_x_second"), clock_.NowMillis());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(std::get<core::FixedWindowState>(second->state).count, 0) << "given back";
}

TEST_F(EnvoyHandlerTest, UnmatchedIsOkWithoutLimitAndUnlimitedIsMaxUint32) {
  auto resp = Check(Request({{{"nothing", "here"}}, {{"generic_key", "free"}}}));
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  ASSERT_EQ(resp.statuses_size(), 2);
  EXPECT_FALSE(resp.statuses(0).has_current_limit());
  EXPECT_EQ(resp.statuses(0).code(), RateLimitResponse::OK);
  EXPECT_FALSE(resp.statuses(1).has_current_limit());
  EXPECT_EQ(resp.statuses(1).limit_remaining(), 4294967295u);
  EXPECT_EQ(store_.Size(), 0u);
}

TEST_F(EnvoyHandlerTest, OneStatusPerDescriptorAndAnyOverMakesOverall) {
  auto req = Request({{{"user", "a"}}, {{"generic_key", "limited"}}});
  Check(req);
  Check(req);
  auto resp = Check(req);  // user a: 2/minute exhausted
  ASSERT_EQ(resp.statuses_size(), 2);
  EXPECT_EQ(resp.statuses(0).code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(resp.statuses(1).code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(resp.statuses(0).current_limit().unit(), RateLimitResponse::RateLimit::MINUTE);
}

TEST_F(EnvoyHandlerTest, DepthMustMatch) {
  auto resp = Check(Request({{{"user", "a"}, {"path", "/x"}}}));
  EXPECT_EQ(resp.statuses(0).current_limit().requests_per_unit(), 100u);
  auto deeper = Check(Request({{{"user", "a"}, {"path", "/x"}, {"extra", "1"}}}));
  EXPECT_FALSE(deeper.statuses(0).has_current_limit());
}

TEST_F(EnvoyHandlerTest, HitsAddendRequestAndPerDescriptor) {
  auto req = Request({{{"generic_key", "limited"}}}, 3);
  EXPECT_EQ(Check(req).statuses(0).limit_remaining(), 2u);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);  // 3 more would be 6
  auto check_only = Request({{{"generic_key", "limited"}}});
  check_only.mutable_descriptors(0)->mutable_hits_addend()->set_value(0);
  auto resp = Check(check_only);
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.statuses(0).limit_remaining(), 2u);  // 0 allowed: check only
  auto two = Request({{{"generic_key", "limited"}}}, 50);
  two.mutable_descriptors(0)->mutable_hits_addend()->set_value(2);
  EXPECT_EQ(Check(two).statuses(0).limit_remaining(), 0u);  // descriptor addend wins
}

TEST_F(EnvoyHandlerTest, LimitOverrideUsesItsOwnCounterPerUnit) {
  auto req = Request({{{"api", "x"}}});
  req.mutable_descriptors(0)->mutable_limit()->set_requests_per_unit(1);
  req.mutable_descriptors(0)->mutable_limit()->set_unit(envoy::type::v3::MINUTE);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);
  // Same entries, another unit: another counter.
  req.mutable_descriptors(0)->mutable_limit()->set_unit(envoy::type::v3::HOUR);
  auto resp = Check(req);
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.statuses(0).current_limit().unit(), RateLimitResponse::RateLimit::HOUR);
}

TEST_F(EnvoyHandlerTest, ShadowModeAnswersOkButCounts) {
  auto req = Request({{{"shadow", "s"}}});
  Check(req);
  auto resp = Check(req);
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.statuses(0).code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.statuses(0).limit_remaining(), 0u);
}

TEST_F(EnvoyHandlerTest, ReplacesDropsTheReplacedLimit) {
  auto req = Request({{{"tenant", "big"}}, {{"tenant", "other"}}});
  for (int i = 0; i < 3; ++i) {
    auto resp = Check(req);
    EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
    EXPECT_FALSE(resp.statuses(1).has_current_limit());  // per-tenant replaced by tenant-big
  }
}

TEST_F(EnvoyHandlerTest, TokenBucketAlgorithmExtension) {
  auto req = Request({{{"bucket", "b"}}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);
}

TEST_F(EnvoyHandlerTest, RateLimitHeadersFromLowestRemaining) {
  EnvoyHandler handler{router_, clock_, rules_,
                       EnvoyOptions{.rate_limit_headers = true}};
  RateLimitResponse resp;
  absl::Status result;
  handler.ShouldRateLimit(Request({{{"generic_key", "limited"}}, {{"user", "u"}}}), &resp,
                          [&](absl::Status s) { result = s; });
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(resp.response_headers_to_add_size(), 3);
  EXPECT_EQ(resp.response_headers_to_add(0).key(), "RateLimit-Limit");
  EXPECT_EQ(resp.response_headers_to_add(0).value(), "2");  // user: 1 of 2 left beats 4 of 5
  EXPECT_EQ(resp.response_headers_to_add(1).value(), "1");
  EXPECT_EQ(resp.response_headers_to_add(2).key(), "RateLimit-Reset");
}

TEST_F(EnvoyHandlerTest, RateLimitHeadersFromTheLastOverLimitDescriptor) {
  EnvoyHandler handler{router_, clock_, rules_,
                       EnvoyOptions{.rate_limit_headers = true}};
  RateLimitResponse resp;
  absl::Status result;
  // Both are over (6 > 5 per second, 6 > 2 per minute): the reference reports the last one.
  handler.ShouldRateLimit(Request({{{"generic_key", "limited"}}, {{"user", "h"}}}, 6), &resp,
                          [&](absl::Status s) { result = s; });
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(resp.response_headers_to_add_size(), 3);
  EXPECT_EQ(resp.response_headers_to_add(0).value(), "2");
  EXPECT_EQ(resp.response_headers_to_add(1).value(), "0");
  EXPECT_EQ(resp.response_headers_to_add(2).value(), "40");  // 39.75 s of the minute left
}

TEST_F(EnvoyHandlerTest, OverLimitReportsNoneRemainingThoughTheRejectedHitsWereNotCounted) {
  auto three = Request({{{"user", "q"}}}, 3);
  auto resp = Check(three);
  EXPECT_EQ(resp.statuses(0).code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(resp.statuses(0).limit_remaining(), 0u);
  // Nothing was taken: the 2 per minute are still there.
  resp = Check(Request({{{"user", "q"}}}, 2));
  EXPECT_EQ(resp.statuses(0).code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.statuses(0).limit_remaining(), 0u);
}

TEST_F(EnvoyHandlerTest, GlobalShadowKeepsStatusesButAllows) {
  EnvoyHandler handler{router_, clock_, rules_,
                       EnvoyOptions{.shadow_mode = true}};
  auto req = Request({{{"user", "g"}}});
  RateLimitResponse resp;
  for (int i = 0; i < 3; ++i) {
    resp.Clear();
    handler.ShouldRateLimit(req, &resp, [](absl::Status) {});
  }
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(resp.statuses(0).code(), RateLimitResponse::OVER_LIMIT);
}

// The global --shadow-mode counts an over-limit answer as shadow, as a rule's shadow_mode does
// (it was once counted as over_limit).
TEST_F(EnvoyHandlerTest, GlobalShadowCountsShadowDecisions) {
  obs::Registry registry;
  DoorMetrics metrics{registry};
  EnvoyHandler handler{router_, clock_, rules_, EnvoyOptions{.shadow_mode = true}, &metrics};
  auto req = Request({{{"user", "g"}}});
  RateLimitResponse resp;
  for (int i = 0; i < 3; ++i) {
    resp.Clear();
    handler.ShouldRateLimit(req, &resp, [](absl::Status) {});
  }
  const std::string text = registry.Render();
  EXPECT_NE(text.find("sluice_decisions_total{outcome=\"shadow\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sluice_decisions_total{outcome=\"over_limit\"} 0\n"), std::string::npos)
      << text;
}

TEST_F(EnvoyHandlerTest, MalformedRequestsAreInvalidArgument) {
  RateLimitResponse resp;
  auto no_domain = Request({{{"a", "b"}}});
  no_domain.set_domain("");
  EXPECT_EQ(Call(no_domain, &resp).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Call(Request({}), &resp).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Call(Request({{}}), &resp).code(), absl::StatusCode::kInvalidArgument);
  auto empty_key = Request({{{"", "v"}}});
  auto status = Call(empty_key, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "descriptor 0 entry 0 has an empty key");
  auto bad_unit = Request({{{"a", "b"}}});
  bad_unit.mutable_descriptors(0)->mutable_limit()->set_unit(static_cast<envoy::type::v3::RateLimitUnit>(42));
  EXPECT_EQ(Call(bad_unit, &resp).code(), absl::StatusCode::kInvalidArgument);
}

// Issue 18 #1: a descriptor value that makes the counter key longer than --max-key-bytes is
// INVALID_ARGUMENT naming the limit, and nothing is counted.
TEST_F(EnvoyHandlerTest, ACounterKeyOverTheLimitIsInvalidArgument) {
  RateLimitResponse resp;
  auto req = Request({{{"generic_key", "limited"}}, {{"a", std::string(1 << 20, 'v')}}});
  req.mutable_descriptors(1)->mutable_limit()->set_requests_per_unit(5);
  req.mutable_descriptors(1)->mutable_limit()->set_unit(envoy::type::v3::RateLimitUnit::SECOND);
  auto status = Call(req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("descriptor 1: key of "), std::string::npos) << status;
  EXPECT_NE(status.message().find("exceeds the 4096-byte limit (--max-key-bytes)"),
            std::string::npos)
      << status;
  EXPECT_EQ(store_.Size(), 0u);
}

TEST_F(EnvoyHandlerTest, UnknownDomainIsOkWithoutLimits) {
  auto req = Request({{{"generic_key", "limited"}}});
  req.set_domain("elsewhere");
  auto resp = Check(req);
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  EXPECT_FALSE(resp.statuses(0).has_current_limit());
}

// A router that answers later, as a cluster router does while the owner is asked.
class DeferredRouter final : public cluster::Router {
 public:
  explicit DeferredRouter(core::Limiter& limiter) : local_(limiter) {}
  void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) override {
    pending_ = [this, requests = std::move(requests), now, done = std::move(done)]() mutable {
      local_.Route(std::move(requests), now, std::move(done));
    };
  }
  void Answer() { std::move(pending_)(); }

 private:
  cluster::LocalRouter local_;
  absl::AnyInvocable<void() &&> pending_;
};

TEST_F(EnvoyHandlerTest, AReloadWhileTheOwnerIsAskedDoesNotFreeTheRulesInUse) {
  DeferredRouter router(limiter_);
  EnvoyHandler handler(router, clock_, rules_, options_);
  RateLimitResponse resp;
  absl::Status result = absl::InternalError("done not called");
  handler.ShouldRateLimit(Request({{{"generic_key", "limited"}}}), &resp,
                          [&](absl::Status s) { result = s; });
  // The reload drops the store's reference; this thread's pin goes with its next read.
  rules_.Replace(rules::RuleSet::Empty());
  (void)rules_.Pinned();
  router.Answer();
  ASSERT_TRUE(result.ok()) << result;
  ASSERT_EQ(resp.statuses_size(), 1);
  EXPECT_EQ(resp.statuses(0).current_limit().name(), "five-per-second");
  EXPECT_EQ(resp.statuses(0).limit_remaining(), 4u);
}

}  // namespace
}  // namespace sluice::api
