#include "cluster/global_sync.h"

#include "testing/exposition.h"
#include "testing/fake_peer_client.h"
#include "core/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

using core::behavior::kDrainOverLimit;
using core::behavior::kGlobal;
using core::behavior::kResetRemaining;

constexpr int64_t kT0 = 1'700'000'000'000;

// Three peers: self ("a:1"), "b:1" and "c:1", with fake clients; time is explicit.
class GlobalSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<PeerInfo> peers = {
        {.grpc_address = "a:1", .is_self = true}, {.grpc_address = "b:1"}, {.grpc_address = "c:1"}};
    auto change = BuildClusterView(peers, nullptr, fakes_.Factory(), {});
    ASSERT_TRUE(change.ok());
    view_ = change->view;
  }

  std::unique_ptr<GlobalSync> Make(GlobalSyncOptions options = {}) {
    return std::make_unique<GlobalSync>(
        limiter_, [this] { return view_; }, options, &metrics_);
  }

  // The `skip`-th unique_key of name "n" owned by `owner`.
  std::string KeyOwnedBy(const std::string& owner, int skip = 0) {
    for (int i = 0;; ++i) {
      std::string key = "k" + std::to_string(i);
      if (view_->ring.Owner(core::HashKey("n", key))->grpc_address == owner && skip-- == 0) {
        return key;
      }
    }
  }

  static core::RateLimitRequest Global(const std::string& key, int64_t hits, int64_t at,
                                       int32_t extra = 0, int32_t algorithm = 0) {
    return core::RateLimitRequest{.name = "n",
                                  .unique_key = key,
                                  .hits = hits,
                                  .limit = 10,
                                  .duration = 60'000,
                                  .algorithm = algorithm,
                                  .behavior = kGlobal | extra,
                                  .created_at = at};
  }

  FakePeerClient& Fake(const std::string& address) { return *fakes_.Find(address); }

  // A series as /metrics would export it, e.g. sluice_global_sends_total.
  double Metric(const std::string& series) const {
    return obs::ParseExposition(registry_.Render()).Get(series);
  }

  obs::Registry registry_;
  GlobalSyncMetrics metrics_{registry_};

  core::Store store_;
  core::Limiter limiter_{store_};
  FakePeerClient::Registry fakes_;
  std::shared_ptr<const ClusterView> view_;
};

TEST_F(GlobalSyncTest, HitsAreSummedPerKeyAndSentToTheOwnerAfterTheSyncWait) {
  auto sync = Make({.sync_wait = absl::Milliseconds(100)});
  const std::string key = KeyOwnedBy("b:1");
  sync->QueueHits(Global(key, 1, kT0), kT0);
  sync->QueueHits(Global(key, 2, kT0 + 10), kT0 + 10);
  sync->QueueHits(Global(key, 3, kT0 + 20), kT0 + 20);
  sync->FlushDue(kT0 + 99);
  EXPECT_TRUE(Fake("b:1").sent().empty()) << "not before the wait is over";
  sync->FlushDue(kT0 + 100);
  auto sent = Fake("b:1").sent();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].size(), 1u);
  EXPECT_EQ(sent[0][0].hits, 6);
  EXPECT_EQ(sent[0][0].created_at, kT0) << "the first request is the template";
  EXPECT_TRUE(sent[0][0].Has(kGlobal));
  EXPECT_TRUE(Fake("c:1").sent().empty());
  EXPECT_EQ(sync->queued().first, 0u);
  EXPECT_EQ(Metric(R"(sluice_global_sends_total)"), 1);
}

TEST_F(GlobalSyncTest, OneCallPerOwner) {
  auto sync = Make();
  sync->QueueHits(Global(KeyOwnedBy("b:1"), 1, kT0), kT0);
  sync->QueueHits(Global(KeyOwnedBy("c:1"), 1, kT0), kT0);
  sync->FlushAll(kT0);
  EXPECT_EQ(Fake("b:1").sent().size(), 1u);
  EXPECT_EQ(Fake("c:1").sent().size(), 1u);
}

TEST_F(GlobalSyncTest, ResetRemainingIsSentEvenWithZeroHitsAndOredIn) {
  auto sync = Make();
  const std::string key = KeyOwnedBy("b:1");
  sync->QueueHits(Global(key, 0, kT0), kT0);  // a read: nothing to send
  EXPECT_EQ(sync->queued().first, 0u);
  sync->QueueHits(Global(key, 0, kT0, kResetRemaining), kT0);  // Gubernator drops this one
  sync->QueueHits(Global(key, 2, kT0), kT0);
  sync->FlushAll(kT0);
  auto sent = Fake("b:1").sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0][0].Has(kResetRemaining));
  EXPECT_EQ(sent[0][0].hits, 2);
}

TEST_F(GlobalSyncTest, AFullQueueIsFlushedAtOnce) {
  auto sync = Make({.batch_limit = 3});
  sync->QueueHits(Global(KeyOwnedBy("b:1", 0), 1, kT0), kT0);
  sync->QueueHits(Global(KeyOwnedBy("b:1", 1), 1, kT0), kT0);
  EXPECT_EQ(sync->queued().first, 2u);
  sync->QueueHits(Global(KeyOwnedBy("c:1"), 1, kT0), kT0);
  EXPECT_EQ(sync->queued().first, 0u);
  EXPECT_EQ(Metric(R"(sluice_global_keys_total{op="sent"})"), 3);
}

TEST_F(GlobalSyncTest, HitsForAKeyThatMovedHereAreAppliedLocally) {
  auto sync = Make();
  const std::string key = KeyOwnedBy("a:1");
  sync->QueueHits(Global(key, 4, kT0), kT0);
  sync->FlushAll(kT0);
  EXPECT_TRUE(Fake("b:1").sent().empty());
  EXPECT_EQ(Metric(R"(sluice_global_keys_total{op="applied_as_owner"})"), 1);
  core::RateLimitRequest read = Global(key, 0, kT0);
  EXPECT_EQ(limiter_.Check(read, kT0).remaining, 6);
  EXPECT_EQ(sync->queued().second, 1u) << "and queued for broadcast";
}

TEST_F(GlobalSyncTest, OwnerDrainsOverLimitHitsAndBroadcastsToEveryOtherPeer) {
  auto sync = Make({.sync_wait = absl::Milliseconds(100)});
  const std::string key = KeyOwnedBy("a:1");
  EXPECT_EQ(sync->ApplyAsOwner(Global(key, 7, kT0), kT0).remaining, 3);
  core::RateLimitResponse drained = sync->ApplyAsOwner(Global(key, 5, kT0), kT0);
  EXPECT_EQ(drained.status, core::Status::kOverLimit);
  EXPECT_EQ(drained.remaining, 0) << "DRAIN_OVER_LIMIT empties the bucket";
  sync->FlushDue(kT0 + 50);
  EXPECT_TRUE(Fake("b:1").updates().empty());
  sync->FlushDue(kT0 + 100);
  for (const char* peer : {"b:1", "c:1"}) {
    auto updates = Fake(peer).updates();
    ASSERT_EQ(updates.size(), 1u) << peer;
    ASSERT_EQ(updates[0].size(), 1u);
    const GlobalUpdate& u = updates[0][0];
    EXPECT_EQ(u.key, "n_" + key);
    EXPECT_EQ(u.status.remaining, 0);
    EXPECT_EQ(u.status.limit, 10);
    EXPECT_EQ(u.status.reset_time, kT0 + 60'000);
    EXPECT_EQ(u.duration, 60'000);
    EXPECT_EQ(u.created_at, kT0 + 100);
  }
  EXPECT_EQ(Metric(R"(sluice_global_broadcasts_total)"), 2);
}

TEST_F(GlobalSyncTest, TheBroadcastReadDoesNotResetTheBucketAgain) {
  auto sync = Make();
  const std::string key = KeyOwnedBy("a:1");
  sync->ApplyAsOwner(Global(key, 8, kT0), kT0);
  // The last queued request for the key carries RESET_REMAINING...
  sync->ApplyAsOwner(Global(key, 0, kT0 + 1, kResetRemaining), kT0 + 1);
  // ...and hits arrive before the broadcast.
  core::RateLimitRequest more = Global(key, 4, kT0 + 2);
  more.behavior = 0;
  limiter_.Check(more, kT0 + 2);
  sync->FlushAll(kT0 + 3);
  auto updates = Fake("b:1").updates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0][0].status.remaining, 6) << "Gubernator's read would reset it to 10";
  EXPECT_GT(updates[0][0].status.reset_time, kT0) << "Gubernator's would broadcast 0";
  EXPECT_EQ(limiter_.Check(Global(key, 0, kT0 + 4), kT0 + 4).remaining, 6);
}

TEST_F(GlobalSyncTest, LeakyBroadcastsCarryTheBurst) {
  auto sync = Make();
  const std::string key = KeyOwnedBy("a:1");
  core::RateLimitRequest leaky = Global(key, 1, kT0, 0, /*algorithm=*/1);
  leaky.burst = 30;
  sync->ApplyAsOwner(leaky, kT0);
  sync->FlushAll(kT0);
  auto updates = Fake("c:1").updates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0][0].burst, 30);
  EXPECT_EQ(updates[0][0].algorithm, 1);
  EXPECT_EQ(updates[0][0].status.remaining, 29);
}

TEST_F(GlobalSyncTest, FailedSendsAreCounted) {
  auto sync = Make();
  Fake("b:1").SetSendStatus(absl::UnavailableError("down"));
  sync->QueueHits(Global(KeyOwnedBy("b:1"), 1, kT0), kT0);
  sync->FlushAll(kT0);
  EXPECT_EQ(Metric(R"(sluice_global_errors_total{op="send"})"), 1);
}

TEST_F(GlobalSyncTest, KeysWithoutAnOwnerAreDropped) {
  std::shared_ptr<const ClusterView> empty = std::make_shared<ClusterView>();
  GlobalSync sync(limiter_, [&] { return empty; }, {}, &metrics_);
  sync.QueueHits(Global("k", 1, kT0), kT0);
  sync.FlushAll(kT0);
  EXPECT_EQ(Metric(R"(sluice_global_keys_total{op="dropped"})"), 1);
}

TEST_F(GlobalSyncTest, TheDriverFlushesOnItsOwn) {
  auto sync = Make({.sync_wait = absl::Milliseconds(5)});
  core::ManualClock clock(kT0);
  sync->Start(clock);
  sync->QueueHits(Global(KeyOwnedBy("b:1"), 1, kT0), kT0);
  clock.Advance(5);
  for (int i = 0; i < 500 && Fake("b:1").sent().empty(); ++i) absl::SleepFor(absl::Milliseconds(2));
  EXPECT_EQ(Fake("b:1").sent().size(), 1u);
  sync->Stop();
}

}  // namespace
}  // namespace sluice::cluster
