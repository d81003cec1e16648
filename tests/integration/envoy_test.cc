// The Envoy RLS v3 door of a real sluice process with a rules file, through a generated gRPC
// client: limits, X-RateLimit fields, addends, overrides, bad requests, and hot reload.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/rules_test_util.h"

namespace sluice {
namespace {

using rules::testutil::TempDir;

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;
using envoy::service::ratelimit::v3::RateLimitService;

constexpr char kRules[] = R"(domain: shop
descriptors:
  - key: generic_key
    value: limited
    rate_limit:
      unit: second
      requests_per_unit: 5
      name: five-per-second
  - key: remote_address
    rate_limit:
      unit: minute
      requests_per_unit: 3
)";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps until the first 100 ms of a wall-clock second, so a burst fits in one window.
void AlignToSecondStart() {
  while (NowMs() % 1000 >= 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

RateLimitRequest Request(const std::string& key, const std::string& value, uint32_t addend = 0) {
  RateLimitRequest req;
  req.set_domain("shop");
  req.set_hits_addend(addend);
  auto* e = req.add_descriptors()->add_entries();
  e->set_key(key);
  e->set_value(value);
  return req;
}

class EnvoyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_file_ = dir_.Replace("shop.yaml", kRules);
    node_ = std::make_unique<testing::SluiceProcess>(
        testing::SluiceProcess::Options{.extra_args = {"--config", dir_.path()}});
    ASSERT_TRUE(node_->ready());
    stub_ = RateLimitService::NewStub(
        grpc::CreateChannel(node_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Call(const RateLimitRequest& req, RateLimitResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->ShouldRateLimit(&ctx, req, resp);
  }

  RateLimitResponse Check(const RateLimitRequest& req) {
    RateLimitResponse resp;
    auto status = Call(req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  // Polls until `pred` holds or 10 s pass.
  template <typename Pred>
  bool Eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  TempDir dir_;
  std::string rules_file_;
  std::unique_ptr<testing::SluiceProcess> node_;
  std::unique_ptr<RateLimitService::Stub> stub_;
};

TEST_F(EnvoyTest, FivePerSecondThenOverLimitThenOkNextWindow) {
  auto req = Request("generic_key", "limited");
  AlignToSecondStart();
  for (int i = 0; i < 5; ++i) {
    auto resp = Check(req);
    EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK) << i;
    ASSERT_EQ(resp.statuses_size(), 1);
    const auto& s = resp.statuses(0);
    // Everything Envoy needs for X-RateLimit headers.
    EXPECT_EQ(s.current_limit().requests_per_unit(), 5u);
    EXPECT_EQ(s.current_limit().unit(), RateLimitResponse::RateLimit::SECOND);
    EXPECT_EQ(s.current_limit().name(), "five-per-second");
    EXPECT_EQ(s.limit_remaining(), static_cast<uint32_t>(4 - i));
    EXPECT_TRUE(s.has_duration_until_reset());
    EXPECT_LE(s.duration_until_reset().seconds(), 1);
  }
  auto over = Check(req);
  EXPECT_EQ(over.overall_code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(over.statuses(0).code(), RateLimitResponse::OVER_LIMIT);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000 - NowMs() % 1000 + 20));
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OK);
}

TEST_F(EnvoyTest, AddendsAndOverrides) {
  auto req = Request("remote_address", "10.0.0.1", 2);
  EXPECT_EQ(Check(req).statuses(0).limit_remaining(), 1u);
  auto peek = Request("remote_address", "10.0.0.1");
  peek.mutable_descriptors(0)->mutable_hits_addend()->set_value(0);
  EXPECT_EQ(Check(peek).statuses(0).limit_remaining(), 1u);
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);

  auto custom = Request("anything", "x");
  custom.mutable_descriptors(0)->mutable_limit()->set_requests_per_unit(1);
  custom.mutable_descriptors(0)->mutable_limit()->set_unit(envoy::type::v3::HOUR);
  EXPECT_EQ(Check(custom).overall_code(), RateLimitResponse::OK);
  EXPECT_EQ(Check(custom).overall_code(), RateLimitResponse::OVER_LIMIT);
}

TEST_F(EnvoyTest, UnmatchedDescriptorIsOk) {
  auto resp = Check(Request("nothing", "matches"));
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  EXPECT_FALSE(resp.statuses(0).has_current_limit());
}

TEST_F(EnvoyTest, MalformedRequestsAreInvalidArgument) {
  RateLimitResponse resp;
  RateLimitRequest no_domain = Request("a", "b");
  no_domain.set_domain("");
  EXPECT_EQ(Call(no_domain, &resp).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  RateLimitRequest no_descriptors;
  no_descriptors.set_domain("shop");
  auto status = Call(no_descriptors, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "rate limit descriptor list must not be empty");

  // Bytes that are no RateLimitRequest: field 1 (domain) claims 100 bytes and has 3.
  grpc::GenericStub generic(
      grpc::CreateChannel(node_->grpc_address(), grpc::InsecureChannelCredentials()));
  const char garbage[] = "\x0a" "\x64" "abc";
  grpc::Slice slice(garbage, sizeof(garbage) - 1);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit",
                    grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status garbled = done.get_future().get();
  EXPECT_EQ(garbled.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(garbled.error_message().find("RateLimitRequest"), std::string::npos)
      << garbled.error_message();
  // The node still answers.
  EXPECT_EQ(Check(Request("nothing", "matches")).overall_code(), RateLimitResponse::OK);
}

TEST_F(EnvoyTest, EditedRulesTakeEffectWithoutRestartAndBadEditsAreKeptOut) {
  auto req = Request("generic_key", "burst");
  EXPECT_FALSE(Check(req).statuses(0).has_current_limit());
  dir_.Replace("shop.yaml", std::string(kRules) + R"(  - key: generic_key
    value: burst
    rate_limit:
      unit: hour
      requests_per_unit: 1
)");
  ASSERT_TRUE(Eventually([&] { return Check(req).statuses(0).has_current_limit(); }));
  EXPECT_EQ(Check(req).overall_code(), RateLimitResponse::OVER_LIMIT);

  // A broken file is rejected; the running rules stay.
  dir_.Replace("shop.yaml", "domain: shop\ndescriptors:\n  - key: x\n    bogus: 1\n");
  ASSERT_TRUE(Eventually([&] { return node_->Output().find("bogus") != std::string::npos; }));
  EXPECT_NE(node_->Output().find("shop.yaml:4"), std::string::npos) << node_->Output();
  EXPECT_TRUE(Check(req).statuses(0).has_current_limit());
}

TEST_F(EnvoyTest, SighupReloads) {
  auto req = Request("generic_key", "hup");
  // Without the watcher a second node only sees changes on SIGHUP.
  TempDir dir;
  dir.Replace("shop.yaml", kRules);
  testing::SluiceProcess node(
      testing::SluiceProcess::Options{.extra_args = {"--config", dir.path(), "--no-rules-watch"}});
  ASSERT_TRUE(node.ready());
  auto stub = RateLimitService::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
  auto check = [&] {
    grpc::ClientContext ctx;
    RateLimitResponse resp;
    EXPECT_TRUE(stub->ShouldRateLimit(&ctx, req, &resp).ok());
    return resp.statuses(0).has_current_limit();
  };
  EXPECT_FALSE(check());
  dir.Replace("shop.yaml", std::string(kRules) + "  - key: generic_key\n    value: hup\n"
                                                "    rate_limit: {unit: day, requests_per_unit: 9}\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(check());
  node.Signal(SIGHUP);
  EXPECT_TRUE(Eventually(check));
}

TEST_F(EnvoyTest, JsonEndpointAnswers200Then429) {
  std::string body =
      R"({"domain":"shop","descriptors":[{"entries":[{"key":"remote_address","value":"json"}]}]})";
  for (int i = 0; i < 3; ++i) {
    auto reply = testing::HttpPost(node_->http_url() + "/json", body);
    EXPECT_EQ(reply.status, 200) << reply.body;
  }
  auto limited = testing::HttpPost(node_->http_url() + "/json", body);
  EXPECT_EQ(limited.status, 429);
  EXPECT_NE(limited.body.find("OVER_LIMIT"), std::string::npos) << limited.body;
  EXPECT_EQ(testing::HttpPost(node_->http_url() + "/json", "{nope").status, 400);
}

// Without --config the door still answers: nothing matches, a per-request limit override
// counts on its own, and SIGHUP (no rules to reload) leaves the node serving.
TEST(EnvoyNoRulesTest, AnswersWithoutRulesAndOverridesStillCount) {
  testing::SluiceProcess node;
  ASSERT_TRUE(node.ready());
  auto stub = RateLimitService::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
  auto check = [&](const RateLimitRequest& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    RateLimitResponse resp;
    grpc::Status status = stub->ShouldRateLimit(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  };
  RateLimitResponse unmatched = check(Request("generic_key", "limited"));
  EXPECT_EQ(unmatched.overall_code(), RateLimitResponse::OK);
  ASSERT_EQ(unmatched.statuses_size(), 1);
  EXPECT_FALSE(unmatched.statuses(0).has_current_limit());

  auto custom = Request("user", "alice");
  custom.mutable_descriptors(0)->mutable_limit()->set_requests_per_unit(2);
  custom.mutable_descriptors(0)->mutable_limit()->set_unit(envoy::type::v3::HOUR);
  EXPECT_EQ(check(custom).statuses(0).limit_remaining(), 1u);
  node.Signal(SIGHUP);
  EXPECT_EQ(check(custom).statuses(0).limit_remaining(), 0u);
  RateLimitResponse over = check(custom);
  EXPECT_EQ(over.overall_code(), RateLimitResponse::OVER_LIMIT);
  EXPECT_EQ(over.statuses(0).current_limit().requests_per_unit(), 2u);
}

// Several descriptors and the optional RateLimit-* headers, as Envoy's generated client parses
// the answer off the wire.
TEST(EnvoyHeadersTest, StatusesAndRateLimitHeadersOverTheWire) {
  TempDir dir;
  dir.Replace("shop.yaml", kRules);
  testing::SluiceProcess node(testing::SluiceProcess::Options{
      .extra_args = {"--config", dir.path(), "--rate-limit-headers"}});
  ASSERT_TRUE(node.ready());
  auto stub = RateLimitService::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
  RateLimitRequest req = Request("remote_address", "10.0.0.9");
  auto* named = req.add_descriptors()->add_entries();
  named->set_key("generic_key");
  named->set_value("limited");
  auto* unmatched = req.add_descriptors()->add_entries();
  unmatched->set_key("nothing");
  unmatched->set_value("here");

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  RateLimitResponse resp;
  grpc::Status status = stub->ShouldRateLimit(&ctx, req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resp.overall_code(), RateLimitResponse::OK);
  ASSERT_EQ(resp.statuses_size(), 3);
  const auto& minute = resp.statuses(0);
  EXPECT_EQ(minute.code(), RateLimitResponse::OK);
  EXPECT_EQ(minute.current_limit().requests_per_unit(), 3u);
  EXPECT_EQ(minute.current_limit().unit(), RateLimitResponse::RateLimit::MINUTE);
  EXPECT_EQ(minute.current_limit().name(), "");
  EXPECT_EQ(minute.limit_remaining(), 2u);
  EXPECT_LE(minute.duration_until_reset().seconds(), 60);
  EXPECT_GT(minute.duration_until_reset().seconds() * 1000 +
                minute.duration_until_reset().nanos() / 1'000'000,
            0);
  const auto& second = resp.statuses(1);
  EXPECT_EQ(second.current_limit().name(), "five-per-second");
  EXPECT_EQ(second.current_limit().requests_per_unit(), 5u);
  EXPECT_EQ(second.limit_remaining(), 4u);
  EXPECT_EQ(resp.statuses(2).code(), RateLimitResponse::OK);
  EXPECT_FALSE(resp.statuses(2).has_current_limit());

  // The headers describe the descriptor with the least remaining: the minute rule's.
  ASSERT_EQ(resp.response_headers_to_add_size(), 3);
  EXPECT_EQ(resp.response_headers_to_add(0).key(), "RateLimit-Limit");
  EXPECT_EQ(resp.response_headers_to_add(0).value(), "3");
  EXPECT_EQ(resp.response_headers_to_add(1).key(), "RateLimit-Remaining");
  EXPECT_EQ(resp.response_headers_to_add(1).value(), "2");
  EXPECT_EQ(resp.response_headers_to_add(2).key(), "RateLimit-Reset");
  const int reset = std::stoi(resp.response_headers_to_add(2).value());
  EXPECT_GE(reset, 1);
  EXPECT_LE(reset, 60);
}

TEST(EnvoyStartupTest, BadRulesStopStartupNamingFileAndLine) {
  TempDir dir;
  std::string file = dir.Replace("bad.yaml", "domain: shop\ndescriptors:\n  - key: a\n    rate_limit:\n      unit: fortnight\n      requests_per_unit: 1\n");
  testing::SluiceProcess node(testing::SluiceProcess::Options{.extra_args = {"--config", file}});
  EXPECT_FALSE(node.ready());
  EXPECT_NE(node.Output().find("bad.yaml:5"), std::string::npos) << node.Output();
}

}  // namespace
}  // namespace sluice
