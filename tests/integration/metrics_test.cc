// /metrics of a real sluice process: names, types, and counters that move with traffic.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "testing/exposition.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/temp_file.h"

namespace sluice {
namespace {

using Scrape = obs::Exposition;

Scrape ScrapeMetrics(const testing::SluiceProcess& node) {
  auto reply = testing::HttpGet(node.http_url() + "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.headers.find("text/plain; version=0.0.4"), std::string::npos);
  return obs::ParseExposition(reply.body);
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

// Every metric docs/operations.md names, with the label values it names, as "name{labels}" in
// backticks: sluice_decisions_total{outcome="error"}, sluice_gossip_dropped_packets_total{reason}.
std::vector<std::string> MetricsNamedInOperationsDoc() {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/docs/operations.md");
  EXPECT_TRUE(in) << "cannot read docs/operations.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  // Each `…` span that starts with a metric prefix and holds only a name and optional labels.
  std::vector<std::string> named;
  for (size_t open = doc.find('`'); open != std::string::npos; open = doc.find('`', open + 1)) {
    const size_t close = doc.find('`', open + 1);
    if (close == std::string::npos) break;
    const std::string span = doc.substr(open + 1, close - open - 1);
    open = close;
    if (span.rfind("sluice_", 0) != 0 && span.rfind("gubernator_", 0) != 0) continue;
    const size_t brace = span.find('{');
    const std::string name = span.substr(0, brace);
    if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
      continue;
    }
    if (brace != std::string::npos && span.back() != '}') continue;
    named.push_back(span);
  }
  return named;
}

// The family a sample belongs to: its name without labels and without a histogram's or
// summary's _bucket/_sum/_count suffix when the scrape declares the shorter family.
std::string FamilyOf(const Scrape& scrape, std::string sample_name) {
  sample_name = sample_name.substr(0, sample_name.find('{'));
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (sample_name.size() > s.size() &&
        sample_name.compare(sample_name.size() - s.size(), s.size(), s) == 0) {
      std::string base = sample_name.substr(0, sample_name.size() - s.size());
      if (scrape.types.count(base)) return base;
    }
  }
  return sample_name;
}

// Each name the operations guide tells operators to watch or alert on is exported (with the
// label values it names) by a fresh node: a renamed or never-registered family fails here.
TEST(MetricsTest, EveryMetricTheOperationsGuideNamesIsExported) {
  const std::vector<std::string> named = MetricsNamedInOperationsDoc();
  ASSERT_GE(named.size(), 8u) << "the metrics table in docs/operations.md was not found";
  // Tracing registers its families only when an endpoint is given; with nothing sampled this
  // node exports no span, so every other family is as on a default node.
  testing::SluiceProcess node(testing::SluiceProcess::Options{
      .extra_args = {"--otlp-endpoint", "http://127.0.0.1:9", "--trace-sampler", "always_off"}});
  ASSERT_TRUE(node.ready());
  const Scrape scrape = ScrapeMetrics(node);
  for (const std::string& entry : named) {
    const std::string family = entry.substr(0, entry.find('{'));
    // k8s discovery registers its counters only when it runs (no API server outside a pod);
    // k8s_discovery_test.cc reads each of them from /metrics.
    if (family.rfind("sluice_k8s_discovery_", 0) == 0) continue;
    EXPECT_TRUE(scrape.types.count(family)) << "docs/operations.md names " << entry
                                            << " but /metrics has no family " << family;
    if (entry.find('{') == std::string::npos) continue;
    // Each label: `name="value"` must appear on one of the family's series; a bare `name` must
    // be a label of one of them.
    const std::string labels = entry.substr(entry.find('{') + 1, entry.size() - family.size() - 2);
    std::stringstream parts(labels);
    std::string part;
    while (std::getline(parts, part, ',')) {
      const std::string wanted = part.find('=') == std::string::npos ? part + "=\"" : part;
      bool found = false;
      for (const auto& [series, value] : scrape.samples) {
        if (FamilyOf(scrape, series) == family && series.find(wanted) != std::string::npos) {
          found = true;
          break;
        }
      }
      EXPECT_TRUE(found) << "docs/operations.md names " << entry << " but no " << family
                         << " series has " << wanted;
    }
  }
}

// One Envoy rule: domain d, key k, 5 a minute.
constexpr char kRules[] =
    "domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n      unit: minute\n"
    "      requests_per_unit: 5\n";

// sluice_rules_reloads_total counts the load at startup and every reload after it: a rejected
// file as a failure, a good one as a success (it was once never incremented).
TEST(MetricsTest, RulesLoadsAreCounted) {
  testing::TempFile rules("metrics_rules.yaml", kRules);
  testing::SluiceProcess node({.extra_args = {"--config", rules.path(), "--no-rules-watch"}});
  ASSERT_TRUE(node.ready());
  const Scrape scrape = ScrapeMetrics(node);
  EXPECT_EQ(scrape.Get(R"(sluice_rules_reloads_total{result="success"})"), 1);
  EXPECT_EQ(scrape.Get(R"(sluice_rules_reloads_total{result="failure"})"), 0);

  // Polls /metrics (the reload runs on the signal's thread) for up to 10 s.
  auto reaches = [&](const std::string& series, double value) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ScrapeMetrics(node).Get(series) != value) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  };
  std::ofstream(rules.path()) << "domain: d\ndescriptors:\n  - key: k\n    bogus: 1\n";
  node.Signal(SIGHUP);
  EXPECT_TRUE(reaches(R"(sluice_rules_reloads_total{result="failure"})", 1));
  std::ofstream(rules.path()) << kRules;
  node.Signal(SIGHUP);
  EXPECT_TRUE(reaches(R"(sluice_rules_reloads_total{result="success"})", 2));
  EXPECT_EQ(ScrapeMetrics(node).Get(R"(sluice_rules_reloads_total{result="failure"})"), 1);
}

// POST /json (Envoy's RLS as JSON) is counted under its own method, not "unknown".
TEST(MetricsTest, EnvoyJsonCallsAreLabelledByTheirPath) {
  testing::TempFile rules("metrics_json_rules.yaml", kRules);
  testing::SluiceProcess node({.extra_args = {"--config", rules.path()}});
  ASSERT_TRUE(node.ready());
  auto reply = testing::HttpPost(node.http_url() + "/json",
                                 R"({"domain":"d","descriptors":[{"entries":[{"key":"k","value":"v"}]}]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const Scrape scrape = ScrapeMetrics(node);
  EXPECT_EQ(scrape.Get(R"(sluice_requests_total{door="http",method="/json",status="success"})"), 1);
  EXPECT_EQ(scrape.Get(R"(sluice_requests_total{door="http",method="unknown",status="success"})"),
            0);
}

}  // namespace
}  // namespace sluice
