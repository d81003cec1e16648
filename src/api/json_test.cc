#include "api/json.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "api/status_mapping.h"
#include "net/http_error.h"
#include "envoy/service/ratelimit/v3/rls.pb.h"
#include "gubernator.pb.h"

namespace sluice::api {
namespace {

TEST(JsonTest, ResponseUsesProtoNamesStringInt64AndEmitsZeroValues) {
  pb::gubernator::GetRateLimitsResp resp;
  auto* r = resp.add_responses();
  r->set_limit(10);
  r->set_remaining(9);
  r->set_reset_time(1690855128786);
  EXPECT_EQ(ToJson(resp),
            R"({"responses":[{"status":"UNDER_LIMIT","limit":"10","remaining":"9",)"
            R"("reset_time":"1690855128786","error":"","metadata":{}}]})");
  (*r->mutable_metadata())["owner"] = "gubernator:1051";
  r->set_status(pb::gubernator::OVER_LIMIT);
  EXPECT_NE(ToJson(resp).find(R"("status":"OVER_LIMIT")"), std::string::npos);
  EXPECT_NE(ToJson(resp).find(R"("metadata":{"owner":"gubernator:1051"})"), std::string::npos);
}

TEST(JsonTest, HealthUsesSnakeCaseAndNumbersForInt32) {
  pb::gubernator::HealthCheckResp health;
  health.set_status("healthy");
  health.set_peer_count(1);
  EXPECT_EQ(ToJson(health),
            R"({"status":"healthy","message":"","peer_count":1,"advertise_address":"",)"
            R"("local_peers":[],"region_peers":[]})");
}

TEST(JsonTest, RequestAcceptsCamelAndSnakeCaseStringsAndNumbers) {
  pb::gubernator::GetRateLimitsReq req;
  ASSERT_TRUE(ParseJson(R"({"requests":[{"name":"requests_per_sec","uniqueKey":"account:12345",)"
                        R"("hits":"1","limit":10,"duration":"1000","unknown_field":true},)"
                        R"({"name":"n","unique_key":"k","algorithm":"LEAKY_BUCKET",)"
                        R"("behavior":"GLOBAL","created_at":"5"}]})",
                        &req)
                  .ok());
  ASSERT_EQ(req.requests_size(), 2);
  EXPECT_EQ(req.requests(0).unique_key(), "account:12345");
  EXPECT_EQ(req.requests(0).hits(), 1);
  EXPECT_EQ(req.requests(0).limit(), 10);
  EXPECT_FALSE(req.requests(0).has_created_at());
  EXPECT_EQ(req.requests(1).algorithm(), pb::gubernator::LEAKY_BUCKET);
  EXPECT_EQ(req.requests(1).behavior(), pb::gubernator::GLOBAL);
  EXPECT_EQ(req.requests(1).created_at(), 5);
}

TEST(JsonTest, CombinedBehaviorBitsAsInteger) {
  pb::gubernator::GetRateLimitsReq req;
  ASSERT_TRUE(ParseJson(R"({"requests":[{"name":"n","unique_key":"k","behavior":3}]})", &req).ok());
  EXPECT_EQ(static_cast<int>(req.requests(0).behavior()), 3);
}

TEST(JsonTest, MalformedJsonIsInvalidArgument) {
  pb::gubernator::GetRateLimitsReq req;
  for (const char* bad : {"{", "not json", R"({"requests":"x"})", R"({"requests":[{"hits":"x"}]})"}) {
    auto status = ParseJson(bad, &req);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// Resident set size of this process, in bytes.
size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Issue 18 #2: a 1 MiB body of '[' is refused by depth, for the Gubernator gateway's message
// and Envoy's /json alike, without growing the process (it grew by 317 MB and kept it).
TEST(JsonTest, DeepNestingIsRefusedWithoutGrowingMemory) {
  const std::string body(1 << 20, '[');
  const size_t before = ResidentBytes();
  for (int i = 0; i < 4; ++i) {
    pb::gubernator::GetRateLimitsReq gubernator;
    auto status = ParseJson(body, &gubernator);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "invalid JSON body: nested deeper than 64 levels");
    envoy::service::ratelimit::v3::RateLimitRequest envoy;
    EXPECT_EQ(ParseJson(body, &envoy).code(), absl::StatusCode::kInvalidArgument);
  }
  const size_t after = ResidentBytes();
  EXPECT_LT(after, before + (16u << 20)) << "grew by " << (after - before) / 1024 << " KiB";
}

TEST(JsonTest, NestingUpToTheLimitIsParsedAndBracketsInStringsDoNotCount) {
  pb::gubernator::GetRateLimitsReq req;
  // Unknown fields may nest; brackets inside strings are not nesting.
  std::string deep = R"({"requests":[{"name":"[[[[{{{{\"[[","unique_key":"k"}],"x":)";
  for (int i = 0; i < kMaxJsonDepth - 1; ++i) deep += "[";
  for (int i = 0; i < kMaxJsonDepth - 1; ++i) deep += "]";
  deep += "}";
  auto status = ParseJson(deep, &req);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(req.requests(0).name(), R"([[[[{{{{"[[)");
  EXPECT_EQ(ParseJson("{\"x\":" + std::string(kMaxJsonDepth, '[') +
                          std::string(kMaxJsonDepth, ']') + "}",
                      &req)
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JsonTest, GatewayErrorBody) {
  EXPECT_EQ(net::GatewayErrorJson(absl::OutOfRangeError("too \"big\"")),
            R"({"code":11,"message":"too \"big\"","details":[]})");
  EXPECT_EQ(net::HttpStatusFor(absl::StatusCode::kOutOfRange), 400);
  EXPECT_EQ(net::HttpStatusFor(absl::StatusCode::kUnavailable), 503);
}

}  // namespace
}  // namespace sluice::api
