// What a node says about itself on stderr: one line per setting that differs from its default,
// with its source; with --log-format json every line is a JSON object, the first ones (warnings
// about the environment) included; at trace level one line per decision.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/temp_file.h"

namespace sluice {
namespace {

using testing::SluiceProcess;
using testing::TempFile;

TEST(StartupLogTest, JsonLinesNameEverySettingAndItsSourceAndEachDecision) {
  TempFile settings("startup_log.yaml", "server:\n  drain_timeout: 3\nlog:\n  level: trace\n");
  SluiceProcess::Options options;
  options.env = {"SLUICE_CACHE_SIZE=4321", "GUBER_METRIC_FLAGS=os"};
  options.extra_args = {"--settings", settings.path(), "--log-format", "json"};
  SluiceProcess node(options);
  ASSERT_TRUE(node.ready()) << node.Output();
  // A key with a quote and a backslash: the JSON line must escape them.
  const std::string body =
      R"({"requests":[{"name":"api","unique_key":"a\"b\\c","hits":3,"limit":2,"duration":60000}]})";
  auto reply = testing::HttpPost(node.http_url() + "/v1/GetRateLimits", body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  node.Signal(SIGTERM);
  ASSERT_EQ(node.Wait(20'000), 0);

  std::vector<std::string> messages;
  for (const auto& line : absl::StrSplit(node.Output(), '\n', absl::SkipEmpty())) {
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    ASSERT_FALSE(doc.HasParseError()) << "not JSON: " << line;
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("msg") && doc["msg"].IsString()) << line;
    EXPECT_TRUE(doc.HasMember("time") && doc.HasMember("level")) << line;
    messages.emplace_back(doc["msg"].GetString());
  }
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages[0].find("GUBER_METRIC_FLAGS is not supported"), std::string::npos)
      << messages[0];
  auto has = [&](const std::string& text) {
    for (const auto& m : messages) {
      if (m.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("setting --cache-size=4321 (variable SLUICE_CACHE_SIZE)")) << node.Output();
  EXPECT_TRUE(has("setting --drain-timeout=3 (file " + settings.path() +
                  ":2 (server.drain_timeout))"))
      << node.Output();
  EXPECT_TRUE(has("setting --log-format=json (flag --log-format)")) << node.Output();
  EXPECT_FALSE(has("setting --http-threads")) << "a default is not listed";
  EXPECT_TRUE(has("decision gubernator: key=api_a\"b\\c limit=2 duration_ms=60000 "
                  "algorithm=token_bucket hits=3 -> OVER_LIMIT"))
      << node.Output();
}

TEST(StartupLogTest, InfoLevelLogsNoDecisions) {
  SluiceProcess node;
  ASSERT_TRUE(node.ready()) << node.Output();
  auto reply = testing::HttpPost(
      node.http_url() + "/v1/GetRateLimits",
      R"({"requests":[{"name":"api","unique_key":"k","hits":1,"limit":2,"duration":60000}]})");
  ASSERT_EQ(reply.status, 200);
  node.Signal(SIGTERM);
  ASSERT_EQ(node.Wait(20'000), 0);
  EXPECT_EQ(node.Output().find("decision"), std::string::npos) << node.Output();
  EXPECT_NE(node.Output().find("[info] setting --addr="), std::string::npos) << node.Output();
}

}  // namespace
}  // namespace sluice
