// `sluice --validate` on the real binary with real files: exit 0 for a good configuration
// without binding a port, exit 1 with every error led by its file:line otherwise.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_split.h"
#include "testing/run_command.h"
#include "testing/rules_test_util.h"
#include "testing/temp_file.h"

#ifndef SLUICE_BINARY
#error "SLUICE_BINARY must name the sluice executable"
#endif

namespace sluice {
namespace {

using testing::RunCommand;
using rules::testutil::TempDir;
using testing::TempFile;

constexpr char kGoodRules[] =
    "domain: shop\n"
    "descriptors:\n"
    "  - key: generic_key\n"
    "    value: checkout\n"
    "    rate_limit: {unit: second, requests_per_unit: 5}\n";

TEST(ValidateTest, AGoodConfigurationExitsZeroWithoutBindingItsPorts) {
  TempDir rules;
  rules.Write("shop.yaml", kGoodRules);
  // The configured gRPC port is taken: a start would fail, a validation must not care.
  const int busy = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(busy, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(busy, 1), 0);
  ASSERT_EQ(getsockname(busy, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  TempFile settings("validate_good.yaml", "server:\n  cache_size: 1000\n  grpc_address: " +
                                              taken + "\nlog:\n  level: debug\n");

  auto run = RunCommand(
      {SLUICE_BINARY, "--validate", "-c", rules.path(), "--settings", settings.path()});
  close(busy);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("configuration valid"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1 rules file in " + rules.path()), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find("ready"), std::string::npos) << run.err;  // nothing started
}

TEST(ValidateTest, EveryErrorIsPrintedAsFileAndLine) {
  TempDir rules;
  rules.Write("a_shop.yaml", kGoodRules);
  const std::string bad_unit = rules.Write("b_unit.yaml",
                                           "domain: b\n"
                                           "descriptors:\n"
                                           "  - key: k\n"
                                           "    rate_limit: {unit: fortnight, requests_per_unit: 1}\n");
  const std::string bad_key = rules.Write("c_key.yaml",
                                          "domain: c\n"
                                          "descriptors:\n"
                                          "  - key: k\n"
                                          "    rate_limit:\n"
                                          "      unit: second\n"
                                          "      uint: 3\n");
  rules.Write("d_dup.yaml", kGoodRules);  // domain `shop` again
  TempFile settings("validate_bad.yaml",
                    "server:\n"
                    "  cache_size: lots\n"
                    "  grpc_adress: 127.0.0.1:1\n"
                    "cluster:\n"
                    "  batch_limit: 5000\n");

  auto run = RunCommand(
      {SLUICE_BINARY, "--validate", "-c", rules.path(), "--settings", settings.path()});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  std::vector<std::string> lines = absl::StrSplit(run.err, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 7u) << run.err;
  auto starts = [](const std::string& line, const std::string& prefix) {
    return line.rfind(prefix, 0) == 0;
  };
  EXPECT_TRUE(starts(lines[0], settings.path() + ":3: unknown setting 'server.grpc_adress'"))
      << lines[0];
  EXPECT_TRUE(starts(lines[1], settings.path() + ":2: --cache-size")) << lines[1];
  EXPECT_TRUE(starts(lines[2], settings.path() + ":5: --batch-limit")) << lines[2];
  EXPECT_TRUE(starts(lines[3], bad_unit + ":4: ")) << lines[3];
  EXPECT_TRUE(starts(lines[4], bad_key + ":6: unknown key 'uint'")) << lines[4];
  EXPECT_NE(lines[5].find("duplicate domain 'shop'"), std::string::npos) << lines[5];
  EXPECT_EQ(lines[6], "sluice: 6 errors");
}

TEST(ValidateTest, AMissingRulesPathIsAnError) {
  auto run = RunCommand({SLUICE_BINARY, "--validate", "-c", "/nonexistent/rules"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("/nonexistent/rules: cannot access rules"), std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace sluice
