// The counter admin (docs/api.md "Counter admin") with real processes: GET /v1/admin/counters
// and POST /v1/admin/reset in standalone mode (an Envoy descriptor with two limits, a Gubernator
// key, bad selectors, off without --admin), in a cluster (answered by the owner through any
// node), in mesh mode (counts summed over the nodes), and under mTLS (--admin-client-cn allows
// one certificate's CN, refuses others with 403).
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "integration/mesh_harness.h"
#include "testing/cluster_harness.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/temp_file.h"
#include "testing/test_certs.h"

namespace sluice {
namespace {

using testing::HttpCall;
using testing::HttpReply;
using testing::JsonInt;
using testing::SluiceProcess;
using testing::TempFile;

// 3 a minute and 100 an hour on one descriptor; 5 a minute on another.
constexpr char kRules[] = R"(domain: shop
descriptors:
  - key: user
    rate_limits:
      - name: per_minute
        unit: minute
        requests_per_unit: 3
      - name: per_hour
        unit: hour
        requests_per_unit: 100
  - key: path
    value: /login
    rate_limit:
      unit: minute
      requests_per_unit: 5
      algorithm: sliding_window
  - key: report
    rate_limit:
      unit: hour
      requests_per_unit: 5
      algorithm: sliding_window
)";

std::string EnvoyBody(const std::string& key, const std::string& value) {
  return absl::StrCat(R"({"domain":"shop","descriptors":[{"entries":[{"key":")", key,
                      R"(","value":")", value, R"("}]}]})");
}

std::string GubernatorBody(const std::string& key, int hits) {
  return absl::StrCat(R"({"requests":[{"name":"api","unique_key":")", key, R"(","hits":)", hits,
                      R"(,"limit":10,"duration":60000}]})");
}

// The JSON object of counter `name` (by its rule name) in an admin answer, or "".
std::string CounterNamed(const std::string& body, const std::string& name) {
  const size_t at = body.find("\"name\":\"" + name + "\"");
  if (at == std::string::npos) return "";
  const size_t open = body.rfind('{', at), close = body.find('}', at);
  return body.substr(open, close - open + 1);
}

class AdminStandaloneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = std::make_unique<SluiceProcess>(
        SluiceProcess::Options{.extra_args = {"--config", rules_.path(), "--admin"}});
    ASSERT_TRUE(node_->ready()) << node_->Output();
  }
  HttpReply Get(const std::string& query) {
    return HttpCall("GET", node_->http_url() + "/v1/admin/counters?" + query, "", {});
  }
  HttpReply Reset(const std::string& query) {
    return HttpCall("POST", node_->http_url() + "/v1/admin/reset?" + query, "", {});
  }

  // Per process: ctest runs the tests of this fixture in parallel processes.
  TempFile rules_{"admin_rules_" + std::to_string(getpid()) + ".yaml", kRules};
  std::unique_ptr<SluiceProcess> node_;
};

TEST_F(AdminStandaloneTest, ReadsAndResetsEveryCounterOfADescriptor) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(testing::HttpPost(node_->http_url() + "/json", EnvoyBody("user", "ann")).status, 200);
  }
  ASSERT_EQ(testing::HttpPost(node_->http_url() + "/json", EnvoyBody("user", "ann")).status, 429);

  HttpReply read = Get("domain=shop&descriptor=user=ann");
  ASSERT_EQ(read.status, 200) << read.body;
  const std::string minute = CounterNamed(read.body, "per_minute");
  const std::string hour = CounterNamed(read.body, "per_hour");
  ASSERT_FALSE(minute.empty()) << read.body;
  ASSERT_FALSE(hour.empty()) << read.body;
  EXPECT_EQ(JsonInt(minute, "count"), 3);
  EXPECT_EQ(JsonInt(minute, "limit"), 3);
  EXPECT_EQ(JsonInt(minute, "remaining"), 0);
  EXPECT_GT(JsonInt(minute, "duration_until_reset_ms"), 0);
  EXPECT_LE(JsonInt(minute, "duration_until_reset_ms"), 60'000);
  EXPECT_EQ(JsonInt(hour, "count"), 3) << "the rejected request consumed neither limit";
  EXPECT_EQ(JsonInt(hour, "remaining"), 97);
  EXPECT_NE(minute.find("\"algorithm\":\"fixed_window\""), std::string::npos) << minute;
  EXPECT_NE(minute.find("\"key\":\"envoy_shop_user_ann"), std::string::npos) << minute;
  // Reading counts nothing.
  EXPECT_EQ(JsonInt(CounterNamed(Get("domain=shop&descriptor=user=ann").body, "per_hour"),
                    "count"),
            3);

  HttpReply reset = Reset("domain=shop&descriptor=user=ann");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(JsonInt(CounterNamed(reset.body, "per_minute"), "remaining"), 3) << reset.body;
  EXPECT_EQ(JsonInt(CounterNamed(reset.body, "per_hour"), "count"), 0) << reset.body;
  EXPECT_EQ(testing::HttpPost(node_->http_url() + "/json", EnvoyBody("user", "ann")).status, 200)
      << "admitted again after the reset";
  // Another user's counters were not touched.
  EXPECT_EQ(JsonInt(CounterNamed(Get("domain=shop&descriptor=user=bob").body, "per_minute"),
                    "count"),
            0);
}

TEST_F(AdminStandaloneTest, SlidingWindowAndUnlimitedAndUnmatched) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(testing::HttpPost(node_->http_url() + "/json", EnvoyBody("path", "/login")).status,
              200);
  }
  HttpReply read = Get("domain=shop&descriptor=path=%2Flogin");  // URL-encoded value
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_NE(read.body.find("\"algorithm\":\"sliding_window\""), std::string::npos) << read.body;
  EXPECT_EQ(JsonInt(read.body, "count"), 2) << read.body;
  EXPECT_EQ(JsonInt(Reset("domain=shop&descriptor=path=/login").body, "count"), 0);

  HttpReply unmatched = Get("domain=shop&descriptor=nothing=here");
  EXPECT_EQ(unmatched.status, 404) << unmatched.body;
  EXPECT_NE(unmatched.body.find("no rule of domain 'shop' matches"), std::string::npos)
      << unmatched.body;
}

TEST_F(AdminStandaloneTest, ReadsAndResetsAGubernatorKey) {
  ASSERT_EQ(testing::HttpPost(node_->http_url() + "/v1/GetRateLimits", GubernatorBody("k1", 4))
                .status,
            200);
  const std::string selector = "name=api&unique_key=k1&limit=10&duration=60000";
  HttpReply read = Get(selector);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(JsonInt(read.body, "count"), 4) << read.body;
  EXPECT_EQ(JsonInt(read.body, "remaining"), 6) << read.body;
  EXPECT_NE(read.body.find("\"key\":\"api_k1\""), std::string::npos) << read.body;
  EXPECT_NE(read.body.find("\"algorithm\":\"token_bucket\""), std::string::npos) << read.body;
  ASSERT_EQ(Reset(selector).status, 200);
  HttpReply after = testing::HttpPost(node_->http_url() + "/v1/GetRateLimits",
                                      GubernatorBody("k1", 1));
  EXPECT_EQ(JsonInt(after.body, "remaining"), 9) << after.body;
}

TEST_F(AdminStandaloneTest, BadSelectorsAreRefusedNamingTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "select counters by 'domain' and 'descriptor'"},
      {"domain=shop", "'descriptor': required"},
      {"descriptor=user=ann", "'domain': required"},
      {"domain=shop&descriptor=user=ann&name=api", "not both"},
      {"domain=shop&descriptor==ann", "has an empty key"},
      {"domain=shop&descriptor=user=ann&colour=red", "'colour': unknown parameter"},
      {"domain=shop&descriptor=user=ann&domain=x", "'domain': given twice"},
      {"domain=shop&descriptor=user%2", "bad %-escape"},
      {"name=api&unique_key=k1&duration=1000", "'limit': required"},
      {"name=api&unique_key=k1&limit=10&duration=0", "'duration': '0' is not an integer"},
      {"name=api&unique_key=k1&limit=10&duration=1000&algorithm=2", "'algorithm': '2'"},
  };
  for (const auto& [query, message] : cases) {
    HttpReply reply = Get(query);
    EXPECT_EQ(reply.status, 400) << query << ": " << reply.body;
    EXPECT_NE(reply.body.find(message), std::string::npos) << query << ": " << reply.body;
  }
  EXPECT_EQ(HttpCall("POST", node_->http_url() + "/v1/admin/counters", "", {}).status, 405);
}

TEST(AdminTest, OffWithoutTheFlag) {
  SluiceProcess node;
  ASSERT_TRUE(node.ready());
  EXPECT_EQ(testing::HttpGet(node.http_url() + "/v1/admin/counters?domain=a&descriptor=b").status,
            404);
  EXPECT_EQ(testing::HttpPost(node.http_url() + "/v1/admin/reset?domain=a&descriptor=b", "").status,
            404);
}

TEST(AdminTest, ClusterNodesAnswerFromTheOwner) {
  testing::ClusterHarness cluster({.nodes = 3, .extra_args = {"--admin"}});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy(3));
  const std::string key = cluster.KeyOwnedBy(2, "api");
  const std::string owner = cluster.node(2).grpc_address();
  ASSERT_EQ(testing::HttpPost(cluster.node(0).http_url() + "/v1/GetRateLimits",
                              GubernatorBody(key, 3))
                .status,
            200);
  const std::string selector =
      absl::StrCat("name=api&unique_key=", key, "&limit=10&duration=60000");
  for (int node : {0, 1, 2}) {  // every node sees the owner's count
    HttpReply read = HttpCall(
        "GET", cluster.node(node).http_url() + "/v1/admin/counters?" + selector, "", {});
    ASSERT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(JsonInt(read.body, "count"), 3) << node << ": " << read.body;
    EXPECT_NE(read.body.find("\"owner\":\"" + (node == 2 ? std::string() : owner) + "\""),
              std::string::npos)
        << node << ": " << read.body;
  }
  HttpReply reset = HttpCall(
      "POST", cluster.node(1).http_url() + "/v1/admin/reset?" + selector, "", {});
  ASSERT_EQ(reset.status, 200) << reset.body;
  HttpReply after = testing::HttpPost(cluster.node(2).http_url() + "/v1/GetRateLimits",
                                      GubernatorBody(key, 1));
  EXPECT_EQ(JsonInt(after.body, "remaining"), 9) << "reset at the owner: " << after.body;
}

TEST(AdminTest, MeshNodesReadTheSumOverTheMesh) {
  testing::MeshCluster mesh(2, {"--admin"});
  ASSERT_TRUE(mesh.ready());
  for (int node : {0, 1}) {
    ASSERT_EQ(testing::HttpPost(mesh.process(node).http_url() + "/v1/GetRateLimits",
                                GubernatorBody("meshkey", 2))
                  .status,
              200);
  }
  const std::string url = mesh.process(0).http_url() +
                          "/v1/admin/counters?name=api&unique_key=meshkey&limit=10&duration=60000";
  EXPECT_TRUE(testing::Eventually(
      [&] { return JsonInt(testing::HttpGet(url).body, "count") == 4; }, 5'000))
      << testing::HttpGet(url).body;
}

// A reset on one mesh node clears the counter on every node by gossip (docs/mesh.md, "Reset"):
// a Gubernator key (a fixed window in mesh mode) and an Envoy sliding window, each filled to its
// limit with hits on every node. Hour-long windows, started away from an hour's edge, so no
// window ends during the test.
TEST(AdminTest, AMeshResetOnOneNodeClearsEveryNode) {
  const int64_t to_next_hour = 3'600'000 - testing::NowMs() % 3'600'000;
  if (to_next_hour < 60'000) std::this_thread::sleep_for(std::chrono::milliseconds(to_next_hour));
  TempFile rules("admin_mesh_rules_" + std::to_string(getpid()) + ".yaml", kRules);
  testing::MeshCluster mesh(3, {"--admin", "--config", rules.path()});
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(3));
  struct Counter {
    std::string selector;
    std::function<int(int node)> hit;  // one hit on `node`; the HTTP status
    int limit;
  };
  const std::vector<Counter> counters = {
      {"name=api&unique_key=meshreset&limit=10&duration=3600000",
       [&](int node) {
         HttpReply r = testing::HttpPost(
             mesh.process(node).http_url() + "/v1/GetRateLimits",
             R"({"requests":[{"name":"api","unique_key":"meshreset","hits":1,"limit":10,)"
             R"("duration":3600000}]})");
         return r.body.find("OVER_LIMIT") == std::string::npos ? r.status : 429;
       },
       10},
      {"domain=shop&descriptor=report=q3",
       [&](int node) {
         return testing::HttpPost(mesh.process(node).http_url() + "/json",
                                  EnvoyBody("report", "q3"))
             .status;
       },
       5},
  };
  auto count_at = [&](int node, const Counter& c) {
    return JsonInt(
        HttpCall("GET", mesh.process(node).http_url() + "/v1/admin/counters?" + c.selector, "", {})
            .body,
        "count");
  };
  for (const Counter& c : counters) {
    SCOPED_TRACE(c.selector);
    for (int i = 0; i < c.limit; ++i) ASSERT_EQ(c.hit(i % mesh.size()), 200) << "hit " << i;
    for (int node = 0; node < mesh.size(); ++node) {
      EXPECT_TRUE(testing::Eventually([&] { return count_at(node, c) == c.limit; }, 10'000))
          << node << " counts " << count_at(node, c);
      EXPECT_EQ(c.hit(node), 429) << node << " is at the limit";
    }
    HttpReply reset =
        HttpCall("POST", mesh.process(1).http_url() + "/v1/admin/reset?" + c.selector, "", {});
    ASSERT_EQ(reset.status, 200) << reset.body;
    EXPECT_EQ(JsonInt(reset.body, "count"), 0) << reset.body;
    for (int node = 0; node < mesh.size(); ++node) {
      // A few gossip intervals; the deadline only bounds a stuck run.
      EXPECT_TRUE(testing::Eventually([&] { return count_at(node, c) == 0; }, 10'000))
          << node << " still counts " << count_at(node, c);
    }
    for (int node = 0; node < mesh.size(); ++node) {
      EXPECT_EQ(c.hit(node), 200) << node << " admits again";
    }
  }
}

class AdminTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs_.ok());
    ASSERT_TRUE(certs_.AddLeaf("operator"));
  }
  std::vector<std::string> Args() const {
    return {"--tls-cert",   certs_.Path("server.pem"), "--tls-key", certs_.Path("server.key"),
            "--tls-ca",     certs_.Path("ca.pem"),     "--tls-client-auth", "require-and-verify",
            "--admin",      "--admin-client-cn",       "operator"};
  }
  HttpReply Call(const SluiceProcess& node, const std::string& method, const std::string& leaf) {
    testing::HttpTls tls{.ca_file = certs_.Path("ca.pem"),
                         .cert_file = certs_.Path(leaf + ".pem"),
                         .key_file = certs_.Path(leaf + ".key")};
    return HttpCall(method,
                    absl::StrCat("https://127.0.0.1:", node.http_port(),
                                 method == "GET" ? "/v1/admin/counters" : "/v1/admin/reset",
                                 "?name=api&unique_key=k&limit=5&duration=1000"),
                    "", {}, 5000, &tls);
  }

  testing::TestCerts certs_;
};

TEST_F(AdminTlsTest, OnlyListedClientCertificatesMayCall) {
  SluiceProcess node({.extra_args = Args()});
  ASSERT_TRUE(node.ready()) << node.Output();
  for (const char* method : {"GET", "POST"}) {
    HttpReply allowed = Call(node, method, "operator");
    EXPECT_EQ(allowed.status, 200) << method << ": " << allowed.body << allowed.error;
    HttpReply refused = Call(node, method, "client");  // same CA, CN not listed
    EXPECT_EQ(refused.status, 403) << method << ": " << refused.body;
    EXPECT_NE(refused.body.find("client certificate CN 'client' is not listed by "
                                "--admin-client-cn"),
              std::string::npos)
        << refused.body;
  }
}

TEST_F(AdminTlsTest, AccessSettingsAreCheckedAtStart) {
  SluiceProcess no_list({.extra_args = {"--tls-cert", certs_.Path("server.pem"), "--tls-key",
                                        certs_.Path("server.key"), "--tls-ca",
                                        certs_.Path("ca.pem"), "--tls-client-auth",
                                        "require-and-verify", "--admin"}});
  EXPECT_FALSE(no_list.ready());
  EXPECT_NE(no_list.Output().find("give --admin-client-cn"), std::string::npos)
      << no_list.Output();
  SluiceProcess no_tls({.extra_args = {"--admin", "--admin-client-cn", "operator"}});
  EXPECT_FALSE(no_tls.ready());
  EXPECT_NE(no_tls.Output().find("needs verified client certificates"),
            std::string::npos)
      << no_tls.Output();
}

}  // namespace
}  // namespace sluice
