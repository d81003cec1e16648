// The real binary configured without address flags: from a Gubernator-style KEY=VALUE file, from
// SLUICE_* or GUBER_* variables alone, and from a YAML file under the environment. Each node
// must serve on the ports it was given; a bad value must stop startup with a message naming
// the setting and its source.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

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
  EXPECT_NE(node.Output().find("cache size 1234"), std::string::npos) << node.Output();
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
  EXPECT_NE(node.Output().find("cache size 777"), std::string::npos) << node.Output();
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
  EXPECT_NE(node.Output().find("cache size 4321"), std::string::npos) << node.Output();
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
  EXPECT_NE(node.Output().find("cache size 999"), std::string::npos) << node.Output();
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

}  // namespace
}  // namespace sluice
