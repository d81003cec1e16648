// The Gubernator V1 gRPC door of a real sluice process, through a generated gRPC client.
#include <curl/curl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "gubernator.grpc.pb.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

using pb::gubernator::GetRateLimitsReq;
using pb::gubernator::GetRateLimitsResp;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class GubernatorGrpcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { node_ = new testing::SluiceProcess(); }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(node_->ready());
    stub_ = pb::gubernator::V1::NewStub(
        grpc::CreateChannel(node_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Call(const GetRateLimitsReq& req, GetRateLimitsResp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->GetRateLimits(&ctx, req, resp);
  }

  static pb::gubernator::RateLimitReq* Add(GetRateLimitsReq& req, const std::string& key,
                                           int64_t hits, int64_t limit, int64_t duration) {
    auto* r = req.add_requests();
    r->set_name("grpc_test");
    r->set_unique_key(key);
    r->set_hits(hits);
    r->set_limit(limit);
    r->set_duration(duration);
    return r;
  }

  static testing::SluiceProcess* node_;
  std::unique_ptr<pb::gubernator::V1::Stub> stub_;
};

testing::SluiceProcess* GubernatorGrpcTest::node_ = nullptr;

TEST_F(GubernatorGrpcTest, TokenBucketCountsDownAndResets) {
  const int64_t before = NowMs();
  for (int i = 1; i <= 3; ++i) {
    GetRateLimitsReq req;
    Add(req, "countdown", 1, 3, 60'000);
    GetRateLimitsResp resp;
    ASSERT_TRUE(Call(req, &resp).ok());
    ASSERT_EQ(resp.responses_size(), 1);
    EXPECT_EQ(resp.responses(0).status(), pb::gubernator::UNDER_LIMIT);
    EXPECT_EQ(resp.responses(0).limit(), 3);
    EXPECT_EQ(resp.responses(0).remaining(), 3 - i);
    EXPECT_GE(resp.responses(0).reset_time(), before + 60'000);
    EXPECT_LE(resp.responses(0).reset_time(), NowMs() + 60'000);
    EXPECT_TRUE(resp.responses(0).error().empty());
  }
  GetRateLimitsReq req;
  Add(req, "countdown", 1, 3, 60'000);
  GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  EXPECT_EQ(resp.responses(0).status(), pb::gubernator::OVER_LIMIT);
  EXPECT_EQ(resp.responses(0).remaining(), 0);
}

TEST_F(GubernatorGrpcTest, LeakyBucketAndClientCreatedAt) {
  GetRateLimitsReq req;
  auto* r = Add(req, "leaky", 5, 10, 1000);
  r->set_algorithm(pb::gubernator::LEAKY_BUCKET);
  r->set_created_at(NowMs());
  GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  EXPECT_EQ(resp.responses(0).remaining(), 5);
  EXPECT_EQ(resp.responses(0).reset_time(), r->created_at() + 5 * 100);
}

TEST_F(GubernatorGrpcTest, BadItemsGetErrorsAndTheRestIsServed) {
  GetRateLimitsReq req;
  Add(req, "", 1, 10, 1000);
  Add(req, "ok", 1, 10, 1000)->set_name("");
  Add(req, "good", 1, 10, 1000);
  Add(req, "badalgo", 1, 10, 1000)->set_algorithm(static_cast<pb::gubernator::Algorithm>(5));
  Add(req, "greg", 1, 10, 9)->set_behavior(pb::gubernator::DURATION_IS_GREGORIAN);
  GetRateLimitsResp resp;
  ASSERT_TRUE(Call(req, &resp).ok());
  ASSERT_EQ(resp.responses_size(), 5);
  EXPECT_EQ(resp.responses(0).error(), "field 'unique_key' cannot be empty");
  EXPECT_EQ(resp.responses(1).error(), "field 'namespace' cannot be empty");
  EXPECT_EQ(resp.responses(2).remaining(), 9);
  EXPECT_EQ(resp.responses(3).error(),
            "Error while apply rate limit for 'grpc_test_badalgo': during "
            "workerPool.GetRateLimit: Invalid rate limit algorithm '5'");
  EXPECT_EQ(resp.responses(4).error(),
            "Error while apply rate limit for 'grpc_test_greg': during workerPool.GetRateLimit: "
            "Error in tokenBucket: behavior DURATION_IS_GREGORIAN is set; but `Duration` is not a "
            "valid gregorian interval");
}

TEST_F(GubernatorGrpcTest, OverOneThousandItemsIsOutOfRange) {
  GetRateLimitsReq req;
  for (int i = 0; i < 1001; ++i) Add(req, "k" + std::to_string(i), 1, 10, 1000);
  GetRateLimitsResp resp;
  auto status = Call(req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "Requests.RateLimits list too large; max size is '1000'");
}

TEST_F(GubernatorGrpcTest, MessagesOverOneMebibyteAreRejected) {
  GetRateLimitsReq req;
  Add(req, std::string(1 << 20, 'x'), 1, 10, 1000);
  GetRateLimitsResp resp;
  auto status = Call(req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The node is still serving.
  GetRateLimitsReq ok;
  Add(ok, "after-big", 1, 10, 1000);
  EXPECT_TRUE(Call(ok, &resp).ok());
}

TEST_F(GubernatorGrpcTest, HealthAndLiveCheck) {
  grpc::ClientContext ctx;
  pb::gubernator::HealthCheckResp health;
  ASSERT_TRUE(stub_->HealthCheck(&ctx, pb::gubernator::HealthCheckReq(), &health).ok());
  EXPECT_EQ(health.status(), "healthy");
  EXPECT_EQ(health.peer_count(), 1);
  EXPECT_EQ(health.advertise_address(), node_->grpc_address());
  ASSERT_EQ(health.local_peers_size(), 1);
  EXPECT_EQ(health.local_peers(0).grpc_address(), node_->grpc_address());

  grpc::ClientContext live_ctx;
  pb::gubernator::LiveCheckResp live;
  EXPECT_TRUE(stub_->LiveCheck(&live_ctx, pb::gubernator::LiveCheckReq(), &live).ok());
}

TEST_F(GubernatorGrpcTest, ConcurrentClientsShareOneLimitExactly) {
  constexpr int kThreads = 4, kCalls = 50;
  std::atomic<int> under{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto stub = pb::gubernator::V1::NewStub(
          grpc::CreateChannel(node_->grpc_address(), grpc::InsecureChannelCredentials()));
      for (int i = 0; i < kCalls; ++i) {
        GetRateLimitsReq req;
        Add(req, "shared", 1, 120, 60'000);
        GetRateLimitsResp resp;
        grpc::ClientContext ctx;
        if (stub->GetRateLimits(&ctx, req, &resp).ok() &&
            resp.responses(0).status() == pb::gubernator::UNDER_LIMIT) {
          under.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(under.load(), 120);
}


// Sends `frame` (a gRPC length-prefixed message, flag byte first) as the body of one HTTP/2 call
// to `path`, with libcurl (prior knowledge, no gRPC library), and returns the header block with
// the trailers: what a client that builds its own frames sees.
std::string RawGrpcCall(const std::string& url, const std::string& frame,
                        const std::string& content_type) {
  CURL* curl = curl_easy_init();
  std::string headers;
  std::string body;
  curl_slist* list = nullptr;
  list = curl_slist_append(list, ("content-type: " + content_type).c_str());
  list = curl_slist_append(list, "te: trailers");
  auto append = +[](char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  };
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, frame.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(frame.size()));
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK) return std::string("curl error: ") + curl_easy_strerror(code);
  return headers;
}

std::string Frame(char flag, const std::string& message) {
  const auto n = static_cast<uint32_t>(message.size());
  return std::string{flag, static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                     static_cast<char>(n >> 8), static_cast<char>(n)} +
         message;
}

// Issue 18 #7: bytes that are not a GetRateLimitsReq were answered UNIMPLEMENTED with no
// message; they get INTERNAL with a message, as from Gubernator. A well-formed frame still gets
// its answer. (Frames with flag bytes other than 0 and 1: see docs/compatibility.md,
// grpc-frame-flags.)
TEST_F(GubernatorGrpcTest, AnUndecodableMessageIsInternalWithAMessage) {
  GetRateLimitsReq req;
  auto* r = req.add_requests();
  r->set_name("raw");
  r->set_unique_key("k");
  r->set_hits(1);
  r->set_limit(5);
  r->set_duration(60'000);
  const std::string message = req.SerializeAsString();
  const std::string url = "http://" + node_->grpc_address() + "/pb.gubernator.V1/GetRateLimits";

  EXPECT_NE(RawGrpcCall(url, Frame(0, message), "application/grpc").find("grpc-status: 0"),
            std::string::npos);

  const std::string garbage =
      RawGrpcCall(url, Frame(0, std::string("\xff\xff\xff\xff", 4)), "application/grpc");
  EXPECT_NE(garbage.find("grpc-status: 13"), std::string::npos) << garbage;
  EXPECT_NE(garbage.find("grpc-message: grpc: error unmarshalling request: not a valid "
                         "pb.gubernator.GetRateLimitsReq"),
            std::string::npos)
      << garbage;
}

}  // namespace
}  // namespace sluice
