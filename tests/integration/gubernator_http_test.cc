// The Gubernator HTTP/JSON gateway of a real sluice process, through libcurl.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "testing/http_client.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

using testing::HttpCall;
using testing::HttpGet;
using testing::HttpPost;

class GubernatorHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { node_ = new testing::SluiceProcess(); }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(node_->ready()); }
  std::string Url(const std::string& path) { return node_->http_url() + path; }

  static testing::SluiceProcess* node_;
};

testing::SluiceProcess* GubernatorHttpTest::node_ = nullptr;

TEST_F(GubernatorHttpTest, ReadmeExampleAnswersLikeGubernator) {
  auto reply = HttpPost(Url("/v1/GetRateLimits"),
                        R"({"requests":[{"name":"requests_per_sec","uniqueKey":"account:12345",)"
                        R"("hits":"1","limit":"10","duration":"1000"}]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.headers.find("application/json"), std::string::npos);
  // Byte for byte as Gubernator, with only the reset time varying (13 digits of epoch ms).
  const std::string head =
      R"({"responses":[{"status":"UNDER_LIMIT","limit":"10","remaining":"9","reset_time":")";
  const std::string tail = R"(","error":"","metadata":{}}]})";
  ASSERT_EQ(reply.body.size(), head.size() + 13 + tail.size()) << reply.body;
  EXPECT_EQ(reply.body.substr(0, head.size()), head);
  EXPECT_EQ(reply.body.substr(head.size() + 13), tail);
  for (char c : reply.body.substr(head.size(), 13)) EXPECT_TRUE(c >= '0' && c <= '9');
}

TEST_F(GubernatorHttpTest, OverLimitAndSnakeCaseInput) {
  std::string body =
      R"({"requests":[{"name":"http_test","unique_key":"over","hits":2,"limit":3,"duration":60000}]})";
  EXPECT_NE(HttpPost(Url("/v1/GetRateLimits"), body).body.find(R"("remaining":"1")"),
            std::string::npos);
  auto over = HttpPost(Url("/v1/GetRateLimits"), body);
  EXPECT_EQ(over.status, 200);
  EXPECT_NE(over.body.find(R"("status":"OVER_LIMIT")"), std::string::npos) << over.body;
  EXPECT_NE(over.body.find(R"("remaining":"1")"), std::string::npos) << over.body;
}

TEST_F(GubernatorHttpTest, PerItemErrorsInJson) {
  auto reply = HttpPost(Url("/v1/GetRateLimits"),
                        R"({"requests":[{"name":"n"},{"name":"n","unique_key":"k","limit":1}]})");
  ASSERT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find(R"("error":"field 'unique_key' cannot be empty")"), std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find(R"("remaining":"0")"), std::string::npos);
}

TEST_F(GubernatorHttpTest, MalformedJsonIs400WithGatewayError) {
  for (const char* bad : {"{", "[]", "hello", R"({"requests":[{"hits":"many"}]})"}) {
    auto reply = HttpPost(Url("/v1/GetRateLimits"), bad);
    EXPECT_EQ(reply.status, 400) << bad;
    EXPECT_NE(reply.body.find(R"("code":3)"), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find(R"("details":[])"), std::string::npos) << reply.body;
  }
}

TEST_F(GubernatorHttpTest, TooManyItemsIs400OutOfRange) {
  std::string body = R"({"requests":[)";
  for (int i = 0; i < 1001; ++i) {
    body += (i ? "," : "") + std::string(R"({"name":"n","unique_key":"k)") + std::to_string(i) +
            R"(","hits":1,"limit":5,"duration":1000})";
  }
  body += "]}";
  auto reply = HttpPost(Url("/v1/GetRateLimits"), body);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body,
            R"({"code":11,"message":"Requests.RateLimits list too large; max size is '1000'",)"
            R"("details":[]})");
}

TEST_F(GubernatorHttpTest, OversizeBodyIs413) {
  auto reply = HttpPost(Url("/v1/GetRateLimits"), std::string(2 << 20, ' '));
  EXPECT_EQ(reply.status, 413);
}

TEST_F(GubernatorHttpTest, UnknownPathAndWrongMethod) {
  EXPECT_EQ(HttpGet(Url("/v1/Nope")).status, 404);
  EXPECT_EQ(HttpGet(Url("/v1/GetRateLimits")).status, 405);
  EXPECT_EQ(HttpCall("DELETE", Url("/v1/HealthCheck")).status, 405);
}

TEST_F(GubernatorHttpTest, HealthCheckJson) {
  auto reply = HttpGet(Url("/v1/HealthCheck"));
  ASSERT_EQ(reply.status, 200);
  std::string self = node_->grpc_address();
  EXPECT_EQ(reply.body, R"({"status":"healthy","message":"","peer_count":1,"advertise_address":")" +
                            self + R"(","local_peers":[{"grpc_address":")" + self +
                            R"(","data_center":""}],"region_peers":[]})");
}

TEST_F(GubernatorHttpTest, LiveCheckJson) {
  auto reply = HttpGet(Url("/v1/LiveCheck"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "{}");
}

TEST_F(GubernatorHttpTest, FormContentTypeIsAcceptedLikeGrpcGateway) {
  // `curl -d` without -H sends application/x-www-form-urlencoded; grpc-gateway still parses JSON.
  auto reply = HttpCall("POST", Url("/v1/GetRateLimits"),
                        R"({"requests":[{"name":"n","unique_key":"form","hits":1,"limit":2,"duration":1000}]})",
                        {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find(R"("remaining":"1")"), std::string::npos);
}

// Resident set size of process `pid`, in KiB.
long ResidentKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Issue 18 #2: 1 MiB bodies of '[' on the gateway and on Envoy's /json are 400 and leave the
// process about as large as before (one such body grew it by 317 MB, for good). The bound
// allows for AddressSanitizer, whose quarantine keeps each freed body resident for a while.
TEST_F(GubernatorHttpTest, DeeplyNestedBodiesAre400AndTakeNoMemory) {
  const std::string body(1 << 20, '[');
  HttpPost(Url("/v1/GetRateLimits"), "{}");  // warm up the connection and the parser
  const long before = ResidentKiB(node_->pid());
  for (int i = 0; i < 2; ++i) {
    auto gateway = HttpPost(Url("/v1/GetRateLimits"), body);
    EXPECT_EQ(gateway.status, 400);
    EXPECT_NE(gateway.body.find("nested deeper than 64 levels"), std::string::npos)
        << gateway.body.substr(0, 200);
    EXPECT_EQ(HttpPost(Url("/json"), body).status, 400);
  }
  const long after = ResidentKiB(node_->pid());
  EXPECT_LT(after - before, 48 * 1024) << "RSS " << before << " KiB -> " << after << " KiB";
}

// Issue 18 #1: a 512 KiB key (bodies stop at 1 MiB) is an item error naming the limit; the rest
// of the batch is served.
TEST_F(GubernatorHttpTest, AHalfMegabyteKeyIsAnItemError) {
  const std::string key(1 << 19, 'k');
  auto reply = HttpPost(Url("/v1/GetRateLimits"),
                        R"({"requests":[{"name":"n","unique_key":")" + key +
                            R"(","hits":1,"limit":5,"duration":60000},)"
                            R"({"name":"n","unique_key":"short","hits":1,"limit":5,"duration":60000}]})");
  ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 200);
  EXPECT_NE(reply.body.find("key of 524290 bytes (namespace + '_' + unique_key) exceeds the "
                            "4096-byte limit (--max-key-bytes)"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find(R"("remaining":"4")"), std::string::npos) << reply.body;
  auto metrics = HttpGet(Url("/metrics"));
  EXPECT_NE(metrics.body.find("sluice_rejected_items_total{reason=\"key_too_long\"} 1"),
            std::string::npos);
}

TEST(SluiceProcessTest, BadFlagStopsStartupWithAClearMessage) {
  testing::SluiceProcess node(testing::SluiceProcess::Options{.extra_args = {"--cache-size", "-5"}});
  EXPECT_FALSE(node.ready());
  EXPECT_NE(node.Output().find("cache-size"), std::string::npos) << node.Output();
}

TEST(SluiceProcessTest, SigtermExitsCleanly) {
  testing::SluiceProcess node;
  ASSERT_TRUE(node.ready());
  node.Signal(SIGTERM);
  EXPECT_EQ(node.Wait(10'000), 0);
}

}  // namespace
}  // namespace sluice
