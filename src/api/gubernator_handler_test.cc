#include "api/gubernator_handler.h"

#include <gtest/gtest.h>

#include <limits>

#include "cluster/router.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "obs/registry.h"
#include "api/door_metrics.h"

namespace sluice::api {
namespace {

class GubernatorHandlerTest : public ::testing::Test {
 protected:
  absl::Status Call(const pb::gubernator::GetRateLimitsReq& req,
                    pb::gubernator::GetRateLimitsResp* resp) {
    absl::Status result = absl::InternalError("done not called");
    handler_.GetRateLimits(req, resp, [&](absl::Status s) { result = s; });
    return result;
  }

  static pb::gubernator::RateLimitReq* Add(pb::gubernator::GetRateLimitsReq& req,
                                           std::string name, std::string key, int64_t hits = 1) {
    auto* r = req.add_requests();
    r->set_name(std::move(name));
    r->set_unique_key(std::move(key));
    r->set_hits(hits);
    r->set_limit(10);
    r->set_duration(1000);
    return r;
  }

  core::ManualClock clock_{1'700'000'000'000};
  core::Store store_;
  core::Limiter limiter_{store_};
  cluster::LocalRouter router_{limiter_};
  cluster::StandaloneHealth health_{"127.0.0.1:1051"};
  GubernatorHandler handler_{router_, clock_, health_};
};

TEST_F(GubernatorHandlerTest, AnswersInOrderWithPerItemErrors) {
  pb::gubernator::GetRateLimitsReq req;
  Add(req, "n", "a", 3);
  Add(req, "n", "");   // unique_key is checked first
  Add(req, "", "");    // ...so this one also names unique_key
  Add(req, "", "b");
  Add(req, "n", "c")->set_algorithm(static_cast<pb::gubernator::Algorithm>(7));
  Add(req, "n", "a", 2);
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  ASSERT_EQ(resp.responses_size(), 6);
  EXPECT_EQ(resp.responses(0).remaining(), 7);
  EXPECT_EQ(resp.responses(0).reset_time(), 1'700'000'001'000);
  EXPECT_EQ(resp.responses(1).error(), "field 'unique_key' cannot be empty");
  EXPECT_EQ(resp.responses(2).error(), "field 'unique_key' cannot be empty");
  EXPECT_EQ(resp.responses(3).error(), "field 'namespace' cannot be empty");
  EXPECT_EQ(resp.responses(4).error(),
            "Error while apply rate limit for 'n_c': during workerPool.GetRateLimit: Invalid rate "
            "limit algorithm '7'");
  EXPECT_EQ(resp.responses(4).remaining(), 0);
  EXPECT_EQ(resp.responses(5).remaining(), 5);
  EXPECT_TRUE(resp.responses(5).metadata().empty());  // this node owns every key
}

TEST_F(GubernatorHandlerTest, SlidingWindowIsAlgorithmThreeAndTwoStaysAnError) {
  pb::gubernator::GetRateLimitsReq req;
  for (int i = 0; i < 3; ++i) {
    Add(req, "n", "s", 2)->set_algorithm(pb::gubernator::SLIDING_WINDOW);
  }
  Add(req, "n", "f")->set_algorithm(static_cast<pb::gubernator::Algorithm>(2));
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  EXPECT_EQ(resp.responses(0).remaining(), 8);
  EXPECT_EQ(resp.responses(1).remaining(), 6);
  EXPECT_EQ(resp.responses(2).remaining(), 4);
  EXPECT_EQ(resp.responses(2).status(), pb::gubernator::UNDER_LIMIT);
  EXPECT_EQ(resp.responses(3).error(),
            "Error while apply rate limit for 'n_f': during workerPool.GetRateLimit: Invalid rate "
            "limit algorithm '2'");
}

TEST_F(GubernatorHandlerTest, RejectsBatchesOverOneThousand) {
  pb::gubernator::GetRateLimitsReq req;
  for (int i = 0; i < 1001; ++i) Add(req, "n", "k" + std::to_string(i));
  pb::gubernator::GetRateLimitsResp resp;
  auto status = Call(req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(), "Requests.RateLimits list too large; max size is '1000'");
  EXPECT_EQ(resp.responses_size(), 0);
  EXPECT_EQ(store_.Size(), 0u);
}

TEST_F(GubernatorHandlerTest, AcceptsExactlyOneThousand) {
  pb::gubernator::GetRateLimitsReq req;
  for (int i = 0; i < 1000; ++i) Add(req, "n", "k" + std::to_string(i));
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  EXPECT_EQ(resp.responses_size(), 1000);
}

TEST_F(GubernatorHandlerTest, ClientCreatedAtIsHonoured) {
  pb::gubernator::GetRateLimitsReq req;
  Add(req, "n", "a")->set_created_at(1'700'000'000'500);
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  EXPECT_EQ(resp.responses(0).reset_time(), 1'700'000'001'500);
}

// A router that answers every item as a non-owner would: from its replica of a GLOBAL key, or
// forwarded to the owner.
class NonOwnerRouter final : public cluster::Router {
 public:
  explicit NonOwnerRouter(bool from_replica) : from_replica_(from_replica) {}
  void Route(std::vector<core::RateLimitRequest> requests, int64_t, Done done) override {
    std::vector<cluster::RoutedResponse> out(requests.size());
    for (auto& r : out) {
      r.owner = "10.0.0.9:1051";
      r.from_replica = from_replica_;
    }
    std::move(done)(std::move(out));
  }

 private:
  const bool from_replica_;
};

// calltype="global" counts GLOBAL keys a non-owner answered from its replica (it was never
// reached); an item forwarded to its owner is counted there, not here.
TEST_F(GubernatorHandlerTest, ReplicaAnswersCountAsCalltypeGlobal) {
  for (bool from_replica : {true, false}) {
    obs::Registry registry;
    DoorMetrics metrics{registry};
    NonOwnerRouter router{from_replica};
    GubernatorHandler handler{router, clock_, health_, &metrics};
    pb::gubernator::GetRateLimitsReq req;
    Add(req, "n", "a");
    Add(req, "n", "b");
    pb::gubernator::GetRateLimitsResp resp;
    handler.GetRateLimits(req, &resp, [](absl::Status) {});
    const std::string text = registry.Render();
    const std::string global = from_replica ? "2" : "0";
    EXPECT_NE(text.find("gubernator_getratelimit_counter{calltype=\"global\"} " + global + "\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("gubernator_getratelimit_counter{calltype=\"local\"} 0\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("sluice_decisions_total{outcome=\"under_limit\"} 2\n"), std::string::npos)
        << text;
  }
}

// Issue 18 #1: a key over --max-key-bytes is an item error naming the limit, counted; the
// rest of the batch is served and the long key is never stored.
TEST_F(GubernatorHandlerTest, AKeyOverTheLimitIsAnItemErrorAndTheRestIsServed) {
  obs::Registry registry;
  DoorMetrics metrics(registry);
  GubernatorHandler handler(router_, clock_, health_, &metrics, {.max_key_bytes = 64});
  pb::gubernator::GetRateLimitsReq req;
  Add(req, "n", std::string(1 << 20, 'k'));
  Add(req, "n", "short", 2);
  pb::gubernator::GetRateLimitsResp resp;
  handler.GetRateLimits(req, &resp, [](absl::Status s) { EXPECT_TRUE(s.ok()); });
  ASSERT_EQ(resp.responses_size(), 2);
  EXPECT_EQ(resp.responses(0).error(),
            "key of 1048578 bytes (namespace + '_' + unique_key) exceeds the 64-byte limit "
            "(--max-key-bytes)");
  EXPECT_EQ(resp.responses(1).error(), "");
  EXPECT_EQ(resp.responses(1).remaining(), 8);
  EXPECT_EQ(store_.Size(), 1u);
  EXPECT_EQ(metrics.rejected_key_too_long->Value(), 1.0);
}

// Issue 18 #9: every int64 field at the ends of its range is an item error naming the field;
// nothing overflows (this test runs under UBSan) and nothing is stored.
TEST_F(GubernatorHandlerTest, ExtremeValuesAreItemErrorsNamingTheField) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  pb::gubernator::GetRateLimitsReq req;
  std::vector<std::string> fields;
  for (int64_t v : {kMin, kMax}) {
    for (int algorithm : {0, 1}) {
      auto with = [&](std::string field) {
        auto* r = Add(req, "n", field + std::to_string(v) + std::to_string(algorithm));
        r->set_algorithm(static_cast<pb::gubernator::Algorithm>(algorithm));
        fields.push_back(field);
        return r;
      };
      with("hits")->set_hits(v);
      with("limit")->set_limit(v);
      with("duration")->set_duration(v);
      with("burst")->set_burst(v);
      with("created_at")->set_created_at(v);
    }
  }
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  ASSERT_EQ(resp.responses_size(), static_cast<int>(fields.size()));
  for (int i = 0; i < resp.responses_size(); ++i) {
    EXPECT_TRUE(resp.responses(i).error().starts_with("field '" + fields[i] + "' is "))
        << resp.responses(i).error();
    EXPECT_EQ(resp.responses(i).reset_time(), 0);
  }
  EXPECT_EQ(store_.Size(), 0u);
}

// Issue 18 #4: a created_at in the past no longer admits every hit (8 of 8 over a limit of 5).
TEST_F(GubernatorHandlerTest, APastCreatedAtCannotExceedTheLimit) {
  int admitted = 0;
  for (int i = 0; i < 8; ++i) {
    pb::gubernator::GetRateLimitsReq req;
    auto* r = Add(req, "n", "past");
    r->set_limit(5);
    r->set_duration(60'000);
    r->set_created_at(clock_.NowMillis() - 365LL * 86'400'000);
    pb::gubernator::GetRateLimitsResp resp;
    ASSERT_TRUE(Call(req, &resp).ok());
    if (resp.responses(0).status() == pb::gubernator::UNDER_LIMIT) ++admitted;
  }
  EXPECT_EQ(admitted, 5);
}

// A created_at a year ahead locks the key only until the window that starts --max-clock-skew
// ahead of now ends, not for a year; the clamp is counted.
TEST_F(GubernatorHandlerTest, AFutureCreatedAtIsClampedToTheSkew) {
  obs::Registry registry;
  DoorMetrics metrics(registry);
  GubernatorHandler handler(router_, clock_, health_, &metrics, {.max_clock_skew_ms = 5000});
  pb::gubernator::GetRateLimitsReq req;
  auto* r = Add(req, "n", "future", 10);
  r->set_created_at(clock_.NowMillis() + 365LL * 86'400'000);
  pb::gubernator::GetRateLimitsResp resp;
  handler.GetRateLimits(req, &resp, [](absl::Status) {});
  EXPECT_EQ(resp.responses(0).reset_time(), clock_.NowMillis() + 5000 + 1000);
  EXPECT_EQ(metrics.created_at_clamped->Value(), 1.0);
}

// Alternating an old and a current created_at no longer refills a leaky bucket on every call.
TEST_F(GubernatorHandlerTest, AlternatingCreatedAtDoesNotRefillALeakyBucket) {
  int admitted = 0;
  for (int i = 0; i < 10; ++i) {
    pb::gubernator::GetRateLimitsReq req;
    auto* r = Add(req, "n", "leaky");
    r->set_algorithm(pb::gubernator::LEAKY_BUCKET);
    r->set_limit(5);
    r->set_duration(3'600'000);
    r->set_created_at(i % 2 == 0 ? clock_.NowMillis() - 86'400'000 : clock_.NowMillis());
    pb::gubernator::GetRateLimitsResp resp;
    ASSERT_TRUE(Call(req, &resp).ok());
    if (resp.responses(0).status() == pb::gubernator::UNDER_LIMIT) ++admitted;
  }
  EXPECT_LE(admitted, 6);  // the limit, plus at most one token leaked over the 5 s skew
}

TEST_F(GubernatorHandlerTest, HealthAndLiveness) {
  pb::gubernator::HealthCheckResp health;
  ASSERT_TRUE(handler_.HealthCheck(&health).ok());
  EXPECT_EQ(health.status(), "healthy");
  EXPECT_EQ(health.peer_count(), 1);
  EXPECT_EQ(health.advertise_address(), "127.0.0.1:1051");
  EXPECT_TRUE(handler_.LiveCheck().ok());
  handler_.SetShuttingDown();
  EXPECT_EQ(handler_.LiveCheck().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(handler_.LiveCheck().message(), "server is shutting down");
}

}  // namespace
}  // namespace sluice::api
