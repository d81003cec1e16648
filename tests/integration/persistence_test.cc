// Limits that survive a restart (docs/persistence.md), against the real binary: a graceful
// restart with --snapshot keeps every key's remaining and reset_time; a bad snapshot stops
// start-up unless --snapshot-ignore-errors; with --store-dir a kill -9 under load loses no hit
// that was answered UNDER_LIMIT on a long-window key.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gubernator.grpc.pb.h"
#include "testing/sluice_process.h"
#include "testing/temp_dir.h"

namespace sluice {
namespace {

constexpr int64_t kHour = 3'600'000;

struct Answer {
  bool ok = false;
  pb::gubernator::RateLimitResp resp;
};

Answer Hit(pb::gubernator::V1::Stub& stub, const std::string& key, int64_t hits,
           int64_t duration = kHour, int64_t limit = 1'000'000) {
  pb::gubernator::GetRateLimitsReq req;
  auto* r = req.add_requests();
  r->set_name("persist");
  r->set_unique_key(key);
  r->set_hits(hits);
  r->set_limit(limit);
  r->set_duration(duration);
  pb::gubernator::GetRateLimitsResp resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  Answer answer;
  answer.ok = stub.GetRateLimits(&ctx, req, &resp).ok() && resp.responses_size() == 1 &&
              resp.responses(0).error().empty();
  if (answer.ok) answer.resp = resp.responses(0);
  return answer;
}

std::unique_ptr<pb::gubernator::V1::Stub> StubFor(const testing::SluiceProcess& node) {
  return pb::gubernator::V1::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
}

class PersistenceTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(PersistenceTest, GracefulRestartWithASnapshotKeepsRemainingAndResetTime) {
  const std::string snapshot = dir_.Path("sluice.snap");
  std::map<std::string, pb::gubernator::RateLimitResp> before;
  {
    testing::SluiceProcess node({.extra_args = {"--snapshot", snapshot}});
    ASSERT_TRUE(node.ready()) << node.Output();
    auto stub = StubFor(node);
    for (int i = 0; i < 20; ++i) {
      const std::string key = "k" + std::to_string(i);
      Answer a = Hit(*stub, key, i + 1, kHour, 100);
      ASSERT_TRUE(a.ok);
      before[key] = a.resp;
    }
    node.Signal(SIGTERM);
    ASSERT_EQ(node.Wait(20'000), 0) << node.Output();
    EXPECT_NE(node.Output().find("snapshot " + snapshot + " written at stop: 20 keys"),
              std::string::npos)
        << node.Output();
  }
  testing::SluiceProcess node({.extra_args = {"--snapshot", snapshot}});
  ASSERT_TRUE(node.ready()) << node.Output();
  EXPECT_NE(node.Output().find("20 keys restored"), std::string::npos) << node.Output();
  auto stub = StubFor(node);
  for (const auto& [key, resp] : before) {
    Answer a = Hit(*stub, key, 0, kHour, 100);
    ASSERT_TRUE(a.ok);
    EXPECT_EQ(a.resp.remaining(), resp.remaining()) << key;
    EXPECT_EQ(a.resp.reset_time(), resp.reset_time()) << key;
  }
}

TEST_F(PersistenceTest, ACorruptSnapshotStopsStartUpUnlessIgnored) {
  const std::string snapshot = dir_.Path("sluice.snap");
  std::ofstream(snapshot) << "not a snapshot at all";
  {
    testing::SluiceProcess node({.extra_args = {"--snapshot", snapshot}});
    EXPECT_FALSE(node.ready());
    EXPECT_NE(node.Wait(20'000), 0);
    EXPECT_NE(node.Output().find("snapshot '" + snapshot + "' is not a Sluice snapshot"),
              std::string::npos)
        << node.Output();
  }
  testing::SluiceProcess node(
      {.extra_args = {"--snapshot", snapshot, "--snapshot-ignore-errors"}});
  ASSERT_TRUE(node.ready()) << node.Output();
  EXPECT_NE(node.Output().find("starting without it"), std::string::npos) << node.Output();
}

TEST_F(PersistenceTest, KillNineUnderLoadLosesNoAnsweredHitOfALongKey) {
  const std::string store = dir_.Path("store");
  constexpr int kKeys = 8;
  constexpr int64_t kLimit = 1'000'000;
  std::vector<std::atomic<int64_t>> answered(kKeys);
  std::vector<std::atomic<int64_t>> reset_time(kKeys);
  {
    testing::SluiceProcess node({.extra_args = {"--store-dir", store}});
    ASSERT_TRUE(node.ready()) << node.Output();
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
      workers.emplace_back([&, w] {
        auto stub = StubFor(node);
        for (int i = w; !stop.load(); ++i) {
          const int k = i % kKeys;
          Answer a = Hit(*stub, "long" + std::to_string(k), 1, kHour, kLimit);
          if (a.ok && a.resp.status() == pb::gubernator::UNDER_LIMIT) {
            answered[k].fetch_add(1);
            reset_time[k].store(a.resp.reset_time());
          }
        }
      });
    }
    // Load until every key has been answered a few times, then kill without warning.
    for (int tries = 0; tries < 200; ++tries) {
      bool all = true;
      for (auto& n : answered) all = all && n.load() >= 20;
      if (all) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    node.Kill();
    stop = true;
    for (auto& t : workers) t.join();
  }
  testing::SluiceProcess node({.extra_args = {"--store-dir", store}});
  ASSERT_TRUE(node.ready()) << node.Output();
  auto stub = StubFor(node);
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_GE(answered[k].load(), 20) << "the load did not reach key " << k;
    Answer a = Hit(*stub, "long" + std::to_string(k), 0, kHour, kLimit);
    ASSERT_TRUE(a.ok);
    // Every answered hit is in the store; a hit applied but not answered before the kill may be
    // too (remaining lower), never fewer.
    EXPECT_LE(a.resp.remaining(), kLimit - answered[k].load()) << k;
    EXPECT_GE(a.resp.remaining(), kLimit - answered[k].load() - 4) << k;  // at most 1 in flight per worker
    EXPECT_EQ(a.resp.reset_time(), reset_time[k].load()) << k;
  }
}

}  // namespace
}  // namespace sluice
