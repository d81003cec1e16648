// The real binary configured without address flags: from a Gubernator-style KEY=VALUE file, from
// SLUICE_* or GUBER_* variables alone, and from a YAML file under the environment. Each node
// must serve on the ports it was given; a bad value must stop startup with a message naming
// the setting and its source.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "gubernator.grpc.pb.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/temp_file.h"

namespace sluice {
namespace {

using testing::FreePort;
using testing::SluiceProcess;
using testing::TempFile;

std::string Local(int port) { return "127.0.0.1:" + std::to_string(port); }

// Options for a node whose ports come from somewhere other than flags.
SluiceProcess::Options Unflagged(int grpc_port, int http_port) {
  SluiceProcess::Options options;
  options.address_flags = false;
  options.grpc_port = grpc_port;
  options.http_port = http_port;
  return options;
}

// Both doors answer a health check.
void ExpectServing(const SluiceProcess& node) {
  ASSERT_TRUE(node.ready()) << node.Output();
  auto reply = testing::HttpGet(node.http_url() + "/v1/HealthCheck");
  EXPECT_EQ(reply.status, 200) << reply.error;
  auto stub = pb::gubernator::V1::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  pb::gubernator::HealthCheckResp health;
  auto status = stub->HealthCheck(&context, pb::gubernator::HealthCheckReq(), &health);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(health.status(), "healthy");
}

TEST(ConfigIntegrationTest, GubernatorKeyValueFileStartsANode) {
  const int grpc_port = FreePort();
  const int http_port = FreePort();
  TempFile conf("gubernator.conf",
                "# A Gubernator deployment's config file\n"
                "GUBER_GRPC_ADDRESS=" +
                    Local(grpc_port) +
                    "\n"
                    "GUBER_HTTP_ADDRESS=" +
                    Local(http_port) +
                    "\n"
                    "\n"
                    "GUBER_CACHE_SIZE=1234\n"
                    "GUBER_METRIC_FLAGS=os\n");
  auto options = Unflagged(grpc_port, http_port);
  options.extra_args = {"--settings", conf.path()};
  SluiceProcess node(options);
  ExpectServing(node);
  EXPECT_TRUE(node.AwaitOutput("cache size 1234")) << node.Output();  // the ready line
  EXPECT_NE(node.Output().find("GUBER_METRIC_FLAGS is not supported by Sluice"), std::string::npos)
      << node.Output();
}

TEST(ConfigIntegrationTest, SluiceVariablesAloneStartANode) {
  const int grpc_port = FreePort();
  const int http_port = FreePort();
  auto options = Unflagged(grpc_port, http_port);
  options.env = {"SLUICE_ADDR=" + Local(grpc_port), "SLUICE_HTTP_ADDR=" + Local(http_port),
                 "SLUICE_CACHE_SIZE=777", "SLUICE_LOG_FORMAT=json"};
  SluiceProcess node(options);
  ExpectServing(node);
  EXPECT_TRUE(node.AwaitOutput("cache size 777")) << node.Output();  // the ready line
  EXPECT_NE(node.Output().find(R"({"time":)"), std::string::npos) << node.Output();
}

TEST(ConfigIntegrationTest, GubernatorVariablesAloneStartANode) {
  const int grpc_port = FreePort();
  const int http_port = FreePort();
  auto options = Unflagged(grpc_port, http_port);
  options.env = {"GUBER_GRPC_ADDRESS=" + Local(grpc_port), "GUBER_HTTP_ADDRESS=" + Local(http_port),
                 "GUBER_CACHE_SIZE=4321"};
  SluiceProcess node(options);
  ExpectServing(node);
  EXPECT_TRUE(node.AwaitOutput("cache size 4321")) << node.Output();  // the ready line
}

TEST(ConfigIntegrationTest, YamlFileUnderTheEnvironment) {
  const int grpc_port = FreePort();
  const int http_port = FreePort();
  // The file's HTTP address is overridden by the environment; its gRPC port (Hivemind's key)
  // and cache size stand.
  TempFile yaml("sluice.yaml",
                "server:\n"
                "  grpc_port: " +
                    std::to_string(grpc_port) +
                    "\n"
                    "  http_address: 127.0.0.1:1\n"
                    "  cache_size: 999\n");
  auto options = Unflagged(grpc_port, http_port);
  options.env = {"SLUICE_SETTINGS=" + yaml.path(), "SLUICE_HTTP_ADDR=" + Local(http_port)};
  SluiceProcess node(options);
  ExpectServing(node);
  EXPECT_TRUE(node.AwaitOutput("cache size 999")) << node.Output();  // the ready line
}

TEST(ConfigIntegrationTest, BadValueStopsStartupNamingSettingAndSource) {
  auto options = Unflagged(FreePort(), FreePort());
  options.env = {"SLUICE_CACHE_SIZE=zero"};
  SluiceProcess node(options);
  EXPECT_FALSE(node.ready());
  EXPECT_NE(node.Output().find("--cache-size (variable SLUICE_CACHE_SIZE): invalid value 'zero'"),
            std::string::npos)
      << node.Output();
}

TEST(ConfigIntegrationTest, MeshWithEtcdDiscoveryStopsStartupNamingBoth) {
  // Used to start a mesh node that silently ignored etcd.
  SluiceProcess::Options options;
  options.extra_args = {"--mesh", "--discovery", "etcd", "--etcd-endpoints", "127.0.0.1:1"};
  SluiceProcess node(options);
  EXPECT_FALSE(node.ready());
  EXPECT_NE(node.Output().find("--mesh (flag --mesh) and --discovery etcd (flag --discovery) "
                               "contradict each other"),
            std::string::npos)
      << node.Output();
}

// A GetRateLimits call with `keys` distinct keys through `node`; every item must be answered
// without an error.
void ExpectAnsweredLocally(const SluiceProcess& node, int keys) {
  auto stub = pb::gubernator::V1::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  pb::gubernator::GetRateLimitsReq req;
  for (int i = 0; i < keys; ++i) {
    auto* r = req.add_requests();
    r->set_name("hivemind");
    r->set_unique_key("k" + std::to_string(i));
    r->set_hits(1);
    r->set_limit(10);
    r->set_duration(60'000);
  }
  pb::gubernator::GetRateLimitsResp resp;
  auto status = stub->GetRateLimits(&context, req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(resp.responses_size(), keys);
  for (const auto& r : resp.responses()) {
    EXPECT_EQ(r.error(), "") << "forwarded to a gossip address?";
    EXPECT_EQ(r.status(), pb::gubernator::UNDER_LIMIT);
  }
}

TEST(ConfigIntegrationTest, HivemindConfigWithoutMeshEnabledRunsStandalone) {
  // Hivemind's config.yaml: its bootstrap peers are gossip seeds, and without mesh.enabled the
  // node is standalone. They used to become consistent-hash peers (forwarding to UDP ports).
  TempFile yaml("hivemind.yaml",
                "server:\n"
                "  grpc_addr: 127.0.0.1:8081\n"
                "mesh:\n"
                "  node_id: node-1\n"
                "  bind_addr: 127.0.0.1:" +
                    std::to_string(FreePort()) +
                    "\n"
                    "  bootstrap_peers: [\"127.0.0.1:" +
                    std::to_string(FreePort()) + "\", \"127.0.0.1:" +
                    std::to_string(FreePort()) + "\"]\n");
  SluiceProcess::Options options;
  options.extra_args = {"--settings", yaml.path()};
  SluiceProcess node(options);
  ExpectServing(node);
  ExpectAnsweredLocally(node, 50);
  auto health = testing::HttpGet(node.http_url() + "/v1/HealthCheck");
  EXPECT_NE(health.body.find("\"peer_count\":1"), std::string::npos) << health.body;
  EXPECT_NE(node.Output().find("(mesh.bootstrap_peers): ignored: mesh mode is off"),
            std::string::npos)
      << node.Output();
  EXPECT_EQ(testing::HttpGet(node.http_url() + "/v1/mesh/stats").status, 404)
      << "no gossip without mesh.enabled";
}

TEST(ConfigIntegrationTest, HivemindConfigWithMeshEnabledJoinsTheMesh) {
  const int seed_udp = FreePort();
  auto hivemind = [](const std::string& id, int bind, int seed) {
    std::string text = "mesh:\n  enabled: true\n  node_id: " + id +
                       "\n  bind_addr: 127.0.0.1:" + std::to_string(bind) +
                       "\n  gossip_interval_ms: 50\n";
    if (seed != 0) text += "  bootstrap_peers: [\"127.0.0.1:" + std::to_string(seed) + "\"]\n";
    return text;
  };
  TempFile first_yaml("hivemind-1.yaml", hivemind("node-1", seed_udp, 0));
  TempFile second_yaml("hivemind-2.yaml", hivemind("node-2", FreePort(), seed_udp));
  SluiceProcess::Options first_options;
  first_options.extra_args = {"--settings", first_yaml.path()};
  SluiceProcess first(first_options);
  SluiceProcess::Options second_options;
  second_options.extra_args = {"--settings", second_yaml.path()};
  SluiceProcess second(second_options);
  ASSERT_TRUE(first.ready()) << first.Output();
  ASSERT_TRUE(second.ready()) << second.Output();
  ExpectAnsweredLocally(second, 20);
  bool joined = false;
  for (int i = 0; i < 400 && !joined; ++i) {
    joined = testing::HttpGet(first.http_url() + "/v1/mesh/stats").body.find("\"members\":2,") !=
                 std::string::npos &&
             testing::HttpGet(second.http_url() + "/v1/mesh/stats").body.find(
                 "\"members\":2,") != std::string::npos;
    if (!joined) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(joined) << testing::HttpGet(second.http_url() + "/v1/mesh/stats").body;
}

}  // namespace
}  // namespace sluice
