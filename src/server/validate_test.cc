#include "server/validate.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(LeadWithLocationTest, PutsTheSettingsFileLocationFirst) {
  EXPECT_EQ(LeadWithLocation("file /etc/s.yaml:3: unknown setting 'server.x'"),
            "/etc/s.yaml:3: unknown setting 'server.x'");
  EXPECT_EQ(LeadWithLocation("--cache-size (file /etc/s.yaml:12 (server.cache_size)): invalid"),
            "/etc/s.yaml:12: --cache-size (file /etc/s.yaml:12 (server.cache_size)): invalid");
  EXPECT_EQ(LeadWithLocation("--batch-limit (file g.conf:2 (GUBER_BATCH_LIMIT)): invalid"),
            "g.conf:2: --batch-limit (file g.conf:2 (GUBER_BATCH_LIMIT)): invalid");
  // Rules errors already lead with it; other messages name no file.
  EXPECT_EQ(LeadWithLocation("/r/api.yaml:7: file is empty"), "/r/api.yaml:7: file is empty");
  EXPECT_EQ(LeadWithLocation("--addr (variable SLUICE_ADDR): bad"),
            "--addr (variable SLUICE_ADDR): bad");
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ValidateConfigurationTest, CollectsEverySettingsErrorAndRulesError) {
  const std::string settings = WriteFile("validate_settings.yaml",
                                         "server:\n"
                                         "  cache_size: zero\n"
                                         "  grpc_adress: 1.2.3.4:1\n"
                                         "log:\n"
                                         "  level: loud\n");
  const std::string rules = WriteFile("validate_rules.yaml",
                                      "domain: d\n"
                                      "descriptors:\n"
                                      "  - key: k\n"
                                      "    rate_limit: {unit: second, requests_per_unit: -1}\n");
  const char* argv[] = {"sluice", "--validate", "--settings", settings.c_str(), "-c",
                        rules.c_str(), "--batch-wait", "soon"};
  auto command_line = ParseCommandLine(8, argv, {});
  ASSERT_TRUE(command_line.ok()) << command_line.status();
  EXPECT_TRUE(command_line->validate);
  ValidationReport report = ValidateConfiguration(*command_line);
  EXPECT_THAT(report.errors,
              ElementsAre(StartsWith(settings + ":3: unknown setting 'server.grpc_adress'"),
                          StartsWith(settings + ":2: --cache-size"),
                          StartsWith(settings + ":5: --log-level"),
                          StartsWith("--batch-wait (flag --batch-wait): 'soon'"),
                          StartsWith(rules + ":4: ")));
}

TEST(ValidateConfigurationTest, AGoodConfigurationHasNoErrors) {
  const std::string rules = WriteFile("validate_good.yaml",
                                      "domain: d\n"
                                      "descriptors:\n"
                                      "  - key: k\n"
                                      "    rate_limit: {unit: second, requests_per_unit: 5}\n");
  const char* argv[] = {"sluice", "--validate", "-c", rules.c_str()};
  auto command_line = ParseCommandLine(4, argv, {{"SLUICE_CACHE_SIZE", "10"}});
  ASSERT_TRUE(command_line.ok()) << command_line.status();
  ValidationReport report = ValidateConfiguration(*command_line);
  EXPECT_THAT(report.errors, ElementsAre());
  EXPECT_THAT(report.summary, HasSubstr("1 rules file in " + rules));
}

TEST(ValidateConfigurationTest, WithoutValidateTheFirstRunStillFailsOnEveryBadValue) {
  const char* argv[] = {"sluice"};
  auto command_line =
      ParseCommandLine(1, argv, {{"SLUICE_CACHE_SIZE", "zero"}, {"SLUICE_LOG_LEVEL", "loud"}});
  ASSERT_FALSE(command_line.ok());
  EXPECT_THAT(std::string(command_line.status().message()), HasSubstr("SLUICE_CACHE_SIZE"));
  EXPECT_THAT(std::string(command_line.status().message()), HasSubstr("SLUICE_LOG_LEVEL"));
}

}  // namespace
}  // namespace sluice::server
