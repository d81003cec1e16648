// The status page (GET /, GET /status.json; docs/operations.md#status-page) of real nodes: a
// two-node static cluster with rules, traffic and a failed reload, read as JSON and rendered by
// headless Chromium (Debian's `chromium`), which also takes a screenshot into the build tree.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "testing/free_port.h"
#include "testing/http_client.h"
#include "testing/run_command.h"
#include "testing/sluice_process.h"
#include "testing/temp_file.h"

namespace sluice {
namespace {

constexpr char kRules[] = R"(domain: shop
descriptors:
  - key: user
    rate_limit: {unit: minute, requests_per_unit: 100}
    descriptors:
      - key: path
        value: /checkout
        rate_limit: {unit: second, requests_per_unit: 5, name: checkouts}
)";

// Two nodes of one static cluster; `a` has rules, an instance id and a changed cache size.
class StatusPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(rules_dir_);
    std::ofstream(rules_dir_ + "/shop.yaml") << kRules;
    const int a_port = testing::FreePort();
    const int b_port = testing::FreePort();
    a_address_ = "127.0.0.1:" + std::to_string(a_port);
    b_address_ = "127.0.0.1:" + std::to_string(b_port);
    const std::string peers = a_address_ + "," + b_address_;
    b_ = std::make_unique<testing::SluiceProcess>(testing::SluiceProcess::Options{
        .extra_args = {"--advertise-addr", b_address_, "--peers", peers}, .grpc_port = b_port});
    a_ = std::make_unique<testing::SluiceProcess>(testing::SluiceProcess::Options{
        .extra_args = {"--advertise-addr", a_address_, "--peers", peers, "--config", rules_dir_,
                       "--instance-id", "node-a"},
        .env = {"GUBER_CACHE_SIZE=4321"},
        .grpc_port = a_port});
    ASSERT_TRUE(b_->ready()) << b_->Output();
    ASSERT_TRUE(a_->ready()) << a_->Output();
  }
  void TearDown() override { std::filesystem::remove_all(rules_dir_); }

  // `hits` requests of one hit on `key` with a limit of 3 per minute at node a.
  void Hit(const std::string& key, int hits) {
    for (int i = 0; i < hits; ++i) {
      auto reply = testing::HttpPost(
          a_->http_url() + "/v1/GetRateLimits",
          R"({"requests":[{"name":"login","unique_key":")" + key +
              R"(","hits":1,"limit":3,"duration":60000}]})");
      ASSERT_EQ(reply.status, 200) << reply.body;
    }
  }

  rapidjson::Document Status() {
    auto reply = testing::HttpGet(a_->http_url() + "/status.json");
    EXPECT_EQ(reply.status, 200);
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << reply.body;
    return doc;
  }

  const std::string rules_dir_ = ::testing::TempDir() + "/status-rules-" + std::to_string(getpid());
  std::string a_address_, b_address_;
  std::unique_ptr<testing::SluiceProcess> a_, b_;
};

TEST_F(StatusPageTest, JsonShowsModeSettingsPeersRulesReloadsAndTopKeys) {
  Hit("alice", 6);  // 3 granted, 3 rejected
  Hit("bob", 1);
  rapidjson::Document s = Status();
  ASSERT_TRUE(s.IsObject());
  EXPECT_STREQ(s["mode"].GetString(), "cluster (static discovery)");
  EXPECT_STREQ(s["instance_id"].GetString(), "node-a");
  EXPECT_STREQ(s["advertise_address"].GetString(), a_address_.c_str());
  EXPECT_FALSE(std::string(s["version"].GetString()).empty());
  EXPECT_GE(s["uptime_seconds"].GetInt64(), 0);
  EXPECT_TRUE(s["healthy"].GetBool()) << s["health_message"].GetString();

  bool cache_size = false;
  for (const auto& setting : s["settings"].GetArray()) {
    if (std::string(setting["name"].GetString()) == "--cache-size") {
      cache_size = true;
      EXPECT_STREQ(setting["value"].GetString(), "4321");
      EXPECT_STREQ(setting["source"].GetString(), "variable GUBER_CACHE_SIZE");
    }
  }
  EXPECT_TRUE(cache_size);

  ASSERT_EQ(s["peers"].Size(), 2u);
  double shares = 0;
  for (const auto& peer : s["peers"].GetArray()) {
    const std::string address = peer["address"].GetString();
    EXPECT_TRUE(address == a_address_ || address == b_address_) << address;
    EXPECT_STREQ(peer["state"].GetString(), address == a_address_ ? "self" : "ok");
    shares += peer["ring_share"].GetDouble();
  }
  EXPECT_NEAR(shares, 1.0, 1e-6);

  const auto& domains = s["rules"]["domains"];
  ASSERT_EQ(domains.Size(), 1u);
  EXPECT_STREQ(domains[0]["domain"].GetString(), "shop");
  const auto& user = domains[0]["descriptors"][0];
  EXPECT_STREQ(user["key"].GetString(), "user");
  EXPECT_STREQ(user["limit"].GetString(), "100/minute");
  EXPECT_STREQ(user["descriptors"][0]["name"].GetString(), "checkouts");

  ASSERT_GE(s["reloads"].Size(), 1u);
  EXPECT_TRUE(s["reloads"][0]["ok"].GetBool());

  const auto& hits = s["top_keys"]["hits"];
  ASSERT_GE(hits.Size(), 2u);
  EXPECT_STREQ(hits[0]["key"].GetString(), "login_alice");
  EXPECT_EQ(hits[0]["count"].GetUint64(), 6u);
  const auto& rejections = s["top_keys"]["rejections"];
  ASSERT_EQ(rejections.Size(), 1u);
  EXPECT_STREQ(rejections[0]["key"].GetString(), "login_alice");
  EXPECT_EQ(rejections[0]["count"].GetUint64(), 3u);

  // A broken rules file, reloaded by SIGHUP: the failure shows with file and line.
  std::ofstream(rules_dir_ + "/shop.yaml") << "domain: shop\ndescriptors:\n  - key: user\n"
                                              "    rate_limit: {unit: fortnight, "
                                              "requests_per_unit: 1}\n";
  a_->Signal(SIGHUP);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::string error;
  while (absl::Now() < deadline && error.empty()) {
    rapidjson::Document now = Status();
    if (!now["reloads"][0]["ok"].GetBool()) error = now["reloads"][0]["error"].GetString();
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_NE(error.find("shop.yaml:4"), std::string::npos) << error;
}

TEST_F(StatusPageTest, PageIsSelfContainedHtml) {
  auto reply = testing::HttpGet(a_->http_url() + "/");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.headers.find("text/html"), std::string::npos) << reply.headers;
  EXPECT_NE(reply.body.find("<title>Sluice status</title>"), std::string::npos);
  EXPECT_NE(reply.body.find("status.json"), std::string::npos);
  // Nothing loaded from elsewhere.
  EXPECT_EQ(reply.body.find("http://"), std::string::npos);
  EXPECT_EQ(reply.body.find("https://"), std::string::npos);
  EXPECT_EQ(reply.body.find("src="), std::string::npos);
}

std::string Chromium() {
  if (const char* env = std::getenv("SLUICE_CHROMIUM")) return env;
  for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

TEST_F(StatusPageTest, RendersInHeadlessChromium) {
  const std::string chromium = Chromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs Debian's "
                    "`chromium`); the status page was not rendered";
  }
  Hit("alice", 5);
  const std::string profile = ::testing::TempDir() + "/status-chromium-" + std::to_string(getpid());
  const std::vector<std::string> common = {
      chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--window-size=1280,1400"};
  std::vector<std::string> dump = common;
  dump.insert(dump.end(), {"--dump-dom", a_->http_url() + "/"});
  const testing::CommandResult dom = testing::RunCommand(dump, {}, 120'000);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  // The script ran and rendered the JSON: mode, a peer, a rule, a top key.
  EXPECT_NE(dom.out.find("data-rendered=\"true\""), std::string::npos) << dom.out;
  EXPECT_NE(dom.out.find("<b id=\"mode\">cluster (static discovery)</b>"), std::string::npos)
      << dom.out;
  EXPECT_NE(dom.out.find(b_address_), std::string::npos);
  EXPECT_NE(dom.out.find("domain shop"), std::string::npos);
  EXPECT_NE(dom.out.find("path=/checkout"), std::string::npos);
  EXPECT_NE(dom.out.find("login_alice"), std::string::npos);

  const std::string screenshot = std::string(SLUICE_BINARY_DIR) + "/status_page.png";
  std::filesystem::remove(screenshot);
  std::vector<std::string> shot = common;
  shot.insert(shot.end(), {"--screenshot=" + screenshot, a_->http_url() + "/"});
  const testing::CommandResult taken = testing::RunCommand(shot, {}, 120'000);
  EXPECT_EQ(taken.exit_code, 0) << taken.err;
  ASSERT_TRUE(std::filesystem::exists(screenshot)) << taken.err;
  EXPECT_GT(std::filesystem::file_size(screenshot), 10'000u);
  std::printf("status page screenshot: %s\n", screenshot.c_str());
  std::filesystem::remove_all(profile);
}

}  // namespace
}  // namespace sluice
