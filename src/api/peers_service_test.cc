#include "api/peers_service.h"

#include <grpcpp/grpcpp.h>

#include "cluster/global_sync.h"
#include "core/store.h"
#include "gtest/gtest.h"
#include "obs/registry.h"
#include "testing/exposition.h"

namespace sluice::api {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

class PeersServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(1 << 20);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = pb::gubernator::PeersV1::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  static void Add(pb::gubernator::GetPeerRateLimitsReq& req, const std::string& key, int64_t hits,
                  int behavior = 0) {
    auto* r = req.add_requests();
    r->set_name("peer");
    r->set_unique_key(key);
    r->set_hits(hits);
    r->set_limit(10);
    r->set_duration(60'000);
    r->set_behavior(static_cast<pb::gubernator::Behavior>(behavior));
  }

  grpc::Status Call(const pb::gubernator::GetPeerRateLimitsReq& req,
                    pb::gubernator::GetPeerRateLimitsResp* resp) {
    grpc::ClientContext ctx;
    return stub_->GetPeerRateLimits(&ctx, req, resp);
  }

  core::ManualClock clock_{kNow};
  core::Store store_;
  core::Limiter limiter_{store_};
  obs::Registry registry_;
  DoorMetrics metrics_{registry_};
  cluster::GlobalSyncMetrics global_metrics_{registry_};
  cluster::GlobalSync global_{limiter_, nullptr, {}, &global_metrics_};
  cluster::PeerHandler handler_{limiter_, global_};
  PeersService service_{handler_, clock_, metrics_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::gubernator::PeersV1::Stub> stub_;
};

TEST_F(PeersServiceTest, AnswersIndexAlignedAndStampsCreatedAt) {
  pb::gubernator::GetPeerRateLimitsReq req;
  Add(req, "a", 3);
  Add(req, "b", 4);
  req.mutable_requests(1)->set_algorithm(static_cast<pb::gubernator::Algorithm>(5));
  Add(req, "a", 2);
  pb::gubernator::GetPeerRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  ASSERT_EQ(resp.rate_limits_size(), 3);
  EXPECT_EQ(resp.rate_limits(0).remaining(), 7);
  EXPECT_EQ(resp.rate_limits(0).reset_time(), kNow + 60'000);
  EXPECT_EQ(resp.rate_limits(1).error(),
            "Error in getLocalRateLimit: during workerPool.GetRateLimit: Invalid rate limit "
            "algorithm '5'");
  EXPECT_EQ(resp.rate_limits(2).remaining(), 5);
}

TEST_F(PeersServiceTest, GlobalItemsDrainOverLimit) {
  pb::gubernator::GetPeerRateLimitsReq req;
  Add(req, "g", 8, pb::gubernator::GLOBAL);
  Add(req, "g", 5, pb::gubernator::GLOBAL);
  pb::gubernator::GetPeerRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  EXPECT_EQ(resp.rate_limits(1).status(), pb::gubernator::OVER_LIMIT);
  EXPECT_EQ(resp.rate_limits(1).remaining(), 0);
}

TEST_F(PeersServiceTest, MoreThanOneThousandItemsIsOutOfRange) {
  pb::gubernator::GetPeerRateLimitsReq req;
  for (int i = 0; i < 1001; ++i) Add(req, "k" + std::to_string(i), 1);
  pb::gubernator::GetPeerRateLimitsResp resp;
  grpc::Status status = Call(req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), kPeerBatchTooLarge);

  req.mutable_requests()->RemoveLast();
  EXPECT_TRUE(Call(req, &resp).ok());
  EXPECT_EQ(resp.rate_limits_size(), 1000);
}

TEST_F(PeersServiceTest, UpdatePeerGlobalsReplacesReplicas) {
  pb::gubernator::UpdatePeerGlobalsReq req;
  auto* g = req.add_globals();
  g->set_key("peer_r");
  g->mutable_status()->set_limit(10);
  g->mutable_status()->set_remaining(2);
  g->mutable_status()->set_reset_time(kNow + 60'000);
  g->set_duration(60'000);
  g->set_created_at(kNow);
  pb::gubernator::UpdatePeerGlobalsResp resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->UpdatePeerGlobals(&ctx, req, &resp).ok());
  EXPECT_EQ(obs::ParseExposition(registry_.Render()).Get("sluice_global_updates_received_total"),
            1);
  pb::gubernator::GetPeerRateLimitsReq read;
  Add(read, "r", 0);
  pb::gubernator::GetPeerRateLimitsResp answer;
  ASSERT_TRUE(Call(read, &answer).ok());
  EXPECT_EQ(answer.rate_limits(0).remaining(), 2);
}

}  // namespace
}  // namespace sluice::api
