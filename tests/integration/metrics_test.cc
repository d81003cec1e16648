// /metrics of a real sluice process: names, types, and counters that move with traffic.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "testing/http_client.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

// Parses the exposition into "name{labels}" → value, and records each family's TYPE.
struct Scrape {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  double Get(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? -1 : it->second;
  }
};

Scrape ScrapeMetrics(const testing::SluiceProcess& node) {
  auto reply = testing::HttpGet(node.http_url() + "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.headers.find("text/plain; version=0.0.4"), std::string::npos);
  Scrape scrape;
  std::istringstream in(reply.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      scrape.types[name] = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    scrape.samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return scrape;
}

void Hit(const testing::SluiceProcess& node, const std::string& key, int hits, int limit) {
  auto reply = testing::HttpPost(
      node.http_url() + "/v1/GetRateLimits",
      R"({"requests":[{"name":"m","unique_key":")" + key + R"(","hits":)" + std::to_string(hits) +
          R"(,"limit":)" + std::to_string(limit) + R"(,"duration":60000}]})");
  ASSERT_EQ(reply.status, 200);
}

TEST(MetricsTest, NamesTypesAndCountersMoveWithTraffic) {
  testing::SluiceProcess node;
  ASSERT_TRUE(node.ready());
  Scrape before = ScrapeMetrics(node);
  EXPECT_EQ(before.types["gubernator_getratelimit_counter"], "counter");
  EXPECT_EQ(before.types["gubernator_cache_size"], "gauge");
  EXPECT_EQ(before.types["gubernator_grpc_request_duration"], "summary");
  EXPECT_EQ(before.types["sluice_request_duration_seconds"], "histogram");
  EXPECT_EQ(before.types["sluice_build_info"], "gauge");
  EXPECT_EQ(before.Get("gubernator_cache_size"), 0);

  Hit(node, "a", 1, 2);
  Hit(node, "a", 1, 2);
  Hit(node, "a", 1, 2);  // over the limit
  Hit(node, "b", 1, 2);

  Scrape after = ScrapeMetrics(node);
  EXPECT_EQ(after.Get(R"(gubernator_getratelimit_counter{calltype="local"})"), 4);
  EXPECT_EQ(after.Get("gubernator_over_limit_counter"), 1);
  EXPECT_EQ(after.Get("gubernator_cache_size"), 2);
  EXPECT_EQ(after.Get(R"(gubernator_cache_access_count{type="hit"})"), 2);
  EXPECT_EQ(after.Get(R"(gubernator_cache_access_count{type="miss"})"), 2);
  EXPECT_EQ(after.Get(R"(sluice_decisions_total{outcome="over_limit"})"), 1);
  EXPECT_EQ(after.Get(R"(sluice_decisions_total{outcome="under_limit"})"), 3);
  EXPECT_EQ(after.Get(R"(sluice_requests_total{door="http",method="/v1/GetRateLimits",status="success"})"),
            4);
  EXPECT_EQ(after.Get(R"(gubernator_grpc_request_duration_count{method="/pb.gubernator.V1/GetRateLimits"})"),
            4);
}

}  // namespace
}  // namespace sluice
