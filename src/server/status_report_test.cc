#include "server/status_report.h"

#include "gtest/gtest.h"

namespace sluice::server {
namespace {

TEST(StatusJsonTest, WritesEveryPartOfTheReport) {
  StatusReport r{
      .version = "0.1.0",
      .mode = "cluster (static)",
      .instance_id = "n1",
      .advertise_address = "10.0.0.1:1051",
      .started_ms = 1'000,
      .now_ms = 62'500,
      .healthy = false,
      .health_message = "error returned from local peer.GetLastErr: from host 10.0.0.2:1051: x",
      .settings = {{.name = "--etcd-password", .value = "****", .source = "variable "
                                                                          "GUBER_ETCD_PASSWORD"}},
      .peers = {{.address = "10.0.0.1:1051", .self = true, .state = "self", .ring_share = 0.5},
                {.address = "10.0.0.2:1051", .state = "failing", .last_error = "UNAVAILABLE: x",
                 .ring_share = 0.5},
                {.address = "10.9.0.1:1051", .data_center = "dc2", .state = "remote"}},
      .peer_failure = {.policy = "local", .answers = 4},
      .rules_path = "/etc/sluice/rules",
      .domains = {{.name = "api",
                   .source = "rules.yaml",
                   .line = 1,
                   .descriptors = {{.key = "user",
                                    .limit = "10/second",
                                    .algorithm = "fixed_window",
                                    .line = 3,
                                    .children = {{.key = "path",
                                                  .value = "/login",
                                                  .limit = "unlimited",
                                                  .shadow_mode = true,
                                                  .line = 6}}}}}},
      .reloads = {{.at_ms = 5'000, .ok = false, .error = "rules.yaml:3: bad \"unit\""}},
      .top_keys = {.hits = {{.key = "api_user_1", .count = 7, .error = 1}},
                   .rejections = {{.key = "api_user_1", .count = 2}}},
      .top_keys_window_ms = 60'000};
  const std::string want =
      R"j({"version":"0.1.0","mode":"cluster (static)","instance_id":"n1",)j"
      R"("advertise_address":"10.0.0.1:1051","started_ms":1000,"now_ms":62500,)"
      R"("uptime_seconds":61,"healthy":false,)"
      R"("health_message":"error returned from local peer.GetLastErr: from host 10.0.0.2:1051: x",)"
      R"("settings":[{"name":"--etcd-password","value":"****","source":"variable GUBER_ETCD_PASSWORD"}],)"
      R"("peers":[{"address":"10.0.0.1:1051","data_center":"","self":true,"state":"self","last_error":"","ring_share":0.5},)"
      R"({"address":"10.0.0.2:1051","data_center":"","self":false,"state":"failing","last_error":"UNAVAILABLE: x","ring_share":0.5},)"
      R"({"address":"10.9.0.1:1051","data_center":"dc2","self":false,"state":"remote","last_error":"","ring_share":null}],)"
      R"("peer_failure":{"policy":"local","answers":4},)"
      R"("rules":{"path":"/etc/sluice/rules","domains":[{"domain":"api","source":"rules.yaml","line":1,"descriptors":[)"
      R"({"key":"user","value":"","limit":"10/second","algorithm":"fixed_window","name":"","shadow_mode":false,"line":3,"descriptors":[)"
      R"({"key":"path","value":"/login","limit":"unlimited","algorithm":"","name":"","shadow_mode":true,"line":6,"descriptors":[]}]}]}]},)"
      R"("reloads":[{"at_ms":5000,"ok":false,"error":"rules.yaml:3: bad \"unit\""}],)"
      R"("top_keys":{"window_ms":60000,"hits":[{"key":"api_user_1","count":7,"error":1}],)"
      R"("rejections":[{"key":"api_user_1","count":2,"error":0}]}})";
  EXPECT_EQ(StatusJson(r), want);
}

TEST(StatusJsonTest, AnEmptyReportIsValidJsonWithEmptyLists) {
  const std::string json = StatusJson(StatusReport{});
  for (const std::string part :
       {R"("peers":[],"peer_failure":null)", R"("domains":[])", R"("hits":[],"rejections":[]}})"}) {
    EXPECT_NE(json.find(part), std::string::npos) << part << " in " << json;
  }
}

TEST(StatusJsonTest, KeysAndErrorsAreEscaped) {
  StatusReport r;
  r.top_keys.hits = {{.key = "a\"<script>\n", .count = 1}};
  const std::string json = StatusJson(r);
  const std::string escaped = R"("key":"a\"\u003cscript\u003e\n")";
  EXPECT_NE(json.find(escaped), std::string::npos) << json;
}

}  // namespace
}  // namespace sluice::server
