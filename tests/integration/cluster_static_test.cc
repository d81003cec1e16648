// A 3-node cluster with static peers: ownership, forwarding, batching, health, peer limits.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "peers.grpc.pb.h"
#include "testing/cluster_harness.h"

namespace sluice {
namespace {

using testing::AddRequest;
using testing::ClusterHarness;

class ClusterStaticTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new ClusterHarness({.nodes = 3}); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(cluster_->started());
    ASSERT_TRUE(cluster_->AwaitHealthy(3));
  }
  static ClusterHarness* cluster_;
};

ClusterHarness* ClusterStaticTest::cluster_ = nullptr;

TEST_F(ClusterStaticTest, OneLimitIsEnforcedExactlyThroughEveryNode) {
  const std::string key = "shared";
  const int owner = cluster_->OwnerOf("exact", key);
  ASSERT_GE(owner, 0);
  int under = 0, over = 0;
  for (int i = 0; i < 300; ++i) {
    const int node = i % 3;
    pb::gubernator::GetRateLimitsReq req;
    AddRequest(req, "exact", key, 1, 100);
    pb::gubernator::GetRateLimitsResp resp;
    ASSERT_TRUE(cluster_->GetRateLimits(node, req, &resp).ok());
    ASSERT_EQ(resp.responses_size(), 1);
    const auto& r = resp.responses(0);
    ASSERT_EQ(r.error(), "");
    (r.status() == pb::gubernator::UNDER_LIMIT ? under : over)++;
    if (node == owner) {
      EXPECT_EQ(r.metadata().count("owner"), 0u) << "the owner answers without metadata";
    } else {
      EXPECT_EQ(r.metadata().at("owner"), cluster_->node(owner).grpc_address());
    }
  }
  EXPECT_EQ(under, 100);
  EXPECT_EQ(over, 200);
}

TEST_F(ClusterStaticTest, ForwardedItemsTravelInBatches) {
  // Node 0 forwards 200 items owned by node 1 in one call, and 64 concurrent single-item calls.
  const double rpcs_before = cluster_->Metric(0, "sluice_peer_batch_size_count");
  const double items_before = cluster_->Metric(0, "sluice_peer_forwarded_items_total");
  ASSERT_GE(rpcs_before, 0);
  pb::gubernator::GetRateLimitsReq big;
  int added = 0;
  for (int n = 0; added < 200; ++n) {
    const std::string key = "b" + std::to_string(n);
    if (cluster_->OwnerOf("batch", key) != 1) continue;
    AddRequest(big, "batch", key, 1, 10);
    ++added;
  }
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(cluster_->GetRateLimits(0, big, &resp).ok());
  for (const auto& r : resp.responses()) {
    ASSERT_EQ(r.error(), "");
    EXPECT_EQ(r.remaining(), 9);
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        pb::gubernator::GetRateLimitsReq req;
        AddRequest(req, "batch", big.requests((t * 8 + i) % 200).unique_key(), 1, 10);
        pb::gubernator::GetRateLimitsResp r;
        if (cluster_->GetRateLimits(0, req, &r).ok() && r.responses(0).error().empty()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 64);
  const double rpcs = cluster_->Metric(0, "sluice_peer_batch_size_count") - rpcs_before;
  const double items = cluster_->Metric(0, "sluice_peer_forwarded_items_total") - items_before;
  EXPECT_EQ(items, 264);
  EXPECT_LT(rpcs, 100) << "264 items should need far fewer RPCs (got " << rpcs << ")";
  std::printf("batching: %.0f items in %.0f GetPeerRateLimits calls\n", items, rpcs);
}

TEST_F(ClusterStaticTest, NoBatchingItemsAreForwardedAlone) {
  const double rpcs_before = cluster_->Metric(2, "sluice_peer_batch_size_count");
  pb::gubernator::GetRateLimitsReq req;
  int added = 0;
  for (int n = 0; added < 5; ++n) {
    const std::string key = "nb" + std::to_string(n);
    if (cluster_->OwnerOf("nobatch", key) != 0) continue;
    AddRequest(req, "nobatch", key, 1, 10, 60'000, pb::gubernator::NO_BATCHING);
    ++added;
  }
  pb::gubernator::GetRateLimitsResp resp;
  ASSERT_TRUE(cluster_->GetRateLimits(2, req, &resp).ok());
  EXPECT_EQ(cluster_->Metric(2, "sluice_peer_batch_size_count") - rpcs_before, 5);
}

TEST_F(ClusterStaticTest, HealthListsEveryPeer) {
  for (int i = 0; i < 3; ++i) {
    pb::gubernator::HealthCheckResp resp;
    ASSERT_TRUE(cluster_->HealthCheck(i, &resp).ok());
    EXPECT_EQ(resp.status(), "healthy");
    EXPECT_EQ(resp.peer_count(), 3);
    EXPECT_EQ(resp.advertise_address(), cluster_->node(i).grpc_address());
    EXPECT_EQ(resp.local_peers_size(), 3);
  }
}

TEST_F(ClusterStaticTest, PeersV1RejectsOversizeBatches) {
  auto stub = pb::gubernator::PeersV1::NewStub(
      grpc::CreateChannel(cluster_->node(1).grpc_address(), grpc::InsecureChannelCredentials()));
  pb::gubernator::GetPeerRateLimitsReq req;
  for (int i = 0; i < 1001; ++i) {
    auto* r = req.add_requests();
    r->set_name("peer");
    r->set_unique_key("k" + std::to_string(i));
    r->set_hits(1);
    r->set_limit(10);
    r->set_duration(1000);
  }
  pb::gubernator::GetPeerRateLimitsResp resp;
  grpc::ClientContext ctx;
  grpc::Status status = stub->GetPeerRateLimits(&ctx, req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "'PeerRequest.rate_limits' list too large; max size is '1000'");
}

}  // namespace
}  // namespace sluice
