#include "cluster/peer_handler.h"

#include <limits>
#include <string>

#include "core/store.h"
#include "gtest/gtest.h"
#include "testing/exposition.h"

namespace sluice::cluster {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

class PeerHandlerTest : public ::testing::Test {
 protected:
  static core::RateLimitRequest Request(int64_t hits, int32_t behavior = 0) {
    return core::RateLimitRequest{.name = "n",
                                  .unique_key = "k",
                                  .hits = hits,
                                  .limit = 10,
                                  .duration = 60'000,
                                  .behavior = behavior,
                                  .created_at = kNow};
  }

  core::Store store_;
  core::Limiter limiter_{store_};
  std::shared_ptr<const ClusterView> view_ = std::make_shared<ClusterView>();
  obs::Registry registry_;
  GlobalSyncMetrics global_metrics_{registry_};
  GlobalSync global_{limiter_, [this] { return view_; }, {}, &global_metrics_};
  PeerHandler handler_{limiter_, global_};
};

TEST_F(PeerHandlerTest, EvaluatesEveryItemIndexAligned) {
  auto out = handler_.GetPeerRateLimits({Request(3), Request(4)}, kNow);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].remaining, 7);
  EXPECT_EQ(out[1].remaining, 3);
}

TEST_F(PeerHandlerTest, GlobalHitsFromPeersDrainOverLimit) {
  handler_.GetPeerRateLimits({Request(7)}, kNow);
  auto plain = handler_.GetPeerRateLimits({Request(5)}, kNow);
  EXPECT_EQ(plain[0].status, core::Status::kOverLimit);
  EXPECT_EQ(plain[0].remaining, 3) << "an ordinary over-size request consumes nothing";
  auto global = handler_.GetPeerRateLimits({Request(5, core::behavior::kGlobal)}, kNow);
  EXPECT_EQ(global[0].status, core::Status::kOverLimit);
  EXPECT_EQ(global[0].remaining, 0);
  EXPECT_EQ(global_.queued().second, 1u) << "queued for broadcast";
}

TEST_F(PeerHandlerTest, ErrorsCarryTheOwnersPrefix) {
  core::RateLimitRequest bad = Request(1);
  bad.algorithm = 7;
  auto out = handler_.GetPeerRateLimits({bad}, kNow);
  EXPECT_EQ(out[0].error,
            "Error in getLocalRateLimit: during workerPool.GetRateLimit: Invalid rate limit "
            "algorithm '7'");
}

TEST_F(PeerHandlerTest, MissingCreatedAtIsStampedWithNow) {
  core::RateLimitRequest r = Request(1);
  r.created_at = 0;
  auto out = handler_.GetPeerRateLimits({r}, kNow);
  EXPECT_EQ(out[0].reset_time, kNow + 60'000);
}

// PeersV1 listens on the public port: its items pass the same admission as the doors'.
TEST_F(PeerHandlerTest, ItemsPassAdmission) {
  core::RateLimitRequest extreme = Request(std::numeric_limits<int64_t>::min());
  core::RateLimitRequest long_key = Request(1);
  long_key.unique_key = std::string(5000, 'k');
  core::RateLimitRequest past = Request(1);
  past.created_at = kNow - 3'600'000;
  auto out = handler_.GetPeerRateLimits({extreme, long_key, past}, kNow);
  EXPECT_TRUE(out[0].error.starts_with("field 'hits' is -9223372036854775808")) << out[0].error;
  EXPECT_TRUE(out[1].error.starts_with("key of 5002 bytes")) << out[1].error;
  EXPECT_EQ(out[2].error, "");
  EXPECT_EQ(out[2].reset_time, kNow - 5000 + 60'000);  // created_at clamped to 5 s back
  EXPECT_EQ(store_.Size(), 1u);
}

TEST_F(PeerHandlerTest, UpdatesReplaceTokenBucketReplicas) {
  handler_.GetPeerRateLimits({Request(1)}, kNow);  // the replica had remaining 9
  GlobalUpdate update{.key = "n_k",
                      .status = {.status = core::Status::kOverLimit,
                                 .limit = 10,
                                 .remaining = 0,
                                 .reset_time = kNow + 30'000},
                      .algorithm = 0,
                      .duration = 60'000,
                      .created_at = kNow};
  handler_.UpdatePeerGlobals({update}, kNow + 5);
  auto item = store_.Peek("n_k", kNow + 5);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->expire_at, kNow + 30'000);
  const auto& token = std::get<core::TokenBucketState>(item->state);
  EXPECT_EQ(token.remaining, 0);
  EXPECT_EQ(token.status, core::Status::kOverLimit);
  EXPECT_EQ(token.created_at, kNow + 5);
  EXPECT_EQ(obs::ParseExposition(registry_.Render()).Get("sluice_global_updates_received_total"),
            1);
  // The next local answer is the owner's.
  auto out = limiter_.Check(Request(1), kNow + 6);
  EXPECT_EQ(out.status, core::Status::kOverLimit);
}

TEST_F(PeerHandlerTest, LeakyReplicasKeepTheBurst) {
  GlobalUpdate update{.key = "n_k",
                      .status = {.limit = 10, .remaining = 25, .reset_time = kNow + 10'000},
                      .algorithm = 1,
                      .duration = 60'000,
                      .created_at = kNow,
                      .burst = 40};
  handler_.UpdatePeerGlobals({update}, kNow);
  auto item = store_.Peek("n_k", kNow);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(std::get<core::LeakyBucketState>(item->state).burst, 40);

  // From a Gubernator owner (no burst sent) the replica's own burst is kept.
  update.burst = 0;
  update.status.remaining = 20;
  handler_.UpdatePeerGlobals({update}, kNow);
  item = store_.Peek("n_k", kNow);
  EXPECT_EQ(std::get<core::LeakyBucketState>(item->state).burst, 40);
  EXPECT_EQ(std::get<core::LeakyBucketState>(item->state).remaining, 20);

  // With nothing to go on, the limit (Gubernator's behaviour).
  update.key = "n_other";
  handler_.UpdatePeerGlobals({update}, kNow);
  EXPECT_EQ(std::get<core::LeakyBucketState>(store_.Peek("n_other", kNow)->state).burst, 10);
}

}  // namespace
}  // namespace sluice::cluster
