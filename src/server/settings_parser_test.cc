// Precedence and error messages through the real command line (ParseCommandLine), with the
// environment given and settings files written to the test's temp directory.
#include "server/settings_parser.h"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/config.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "testing/temp_file.h"

namespace sluice::server {
namespace {

using testing::TempFile;

absl::StatusOr<CommandLine> Parse(std::vector<const char*> args, const Environment& env = {}) {
  args.insert(args.begin(), "sluice");
  return ParseCommandLine(static_cast<int>(args.size()), args.data(), env);
}

// "section.key" and a value → a one-setting YAML file.
std::string YamlOf(const std::string& key, const std::string& value) {
  std::vector<std::string> parts = absl::StrSplit(key, '.');
  return parts[0] + ":\n  " + parts[1] + ": \"" + value + "\"\n";
}

struct PrecedenceCase {
  const char* flag;
  const char* variable;
  const char* file_key;
  std::string default_value, file_value, env_value, flag_value;
  std::function<std::string(const Config&)> get;
};

TEST(SettingsParserTest, FlagBeatsEnvironmentBeatsFileBeatsDefaultForEverySetting) {
  const PrecedenceCase cases[] = {
      {"--addr", "SLUICE_ADDR", "server.grpc_address", "127.0.0.1:1051", "127.0.0.1:1",
       "127.0.0.1:2", "127.0.0.1:3", [](const Config& c) { return c.server.grpc_address; }},
      {"--http-addr", "SLUICE_HTTP_ADDR", "server.http_address", "127.0.0.1:1050", "127.0.0.1:1",
       "127.0.0.1:2", "127.0.0.1:3", [](const Config& c) { return c.server.http_address; }},
      {"--advertise-addr", "SLUICE_ADVERTISE_ADDR", "server.advertise_address", "", "10.0.0.1:1",
       "10.0.0.2:1", "10.0.0.3:1", [](const Config& c) { return c.server.advertise_address; }},
      {"--cache-size", "SLUICE_CACHE_SIZE", "server.cache_size", "50000", "10", "20", "30",
       [](const Config& c) { return std::to_string(c.store.cache_size); }},
      {"--http-threads", "SLUICE_HTTP_THREADS", "server.http_threads", "0", "1", "2", "3",
       [](const Config& c) { return std::to_string(c.server.http_threads); }},
      {"--rules", "SLUICE_RULES", "rules.path", "", "/a", "/b", "/c",
       [](const Config& c) { return c.rules.path; }},
      {"--log-level", "SLUICE_LOG_LEVEL", "log.level", "info", "debug", "warn", "error",
       [](const Config& c) { return c.log.level; }},
      {"--log-format", "SLUICE_LOG_FORMAT", "log.format", "text", "json", "text", "json",
       [](const Config& c) { return c.log.format; }},
      {"--peers", "SLUICE_PEERS", "cluster.peers", "", "a:1,b:1", "c:2", "d:3",
       [](const Config& c) { return absl::StrJoin(c.cluster.peers, ","); }},
      {"--shadow-mode", "SLUICE_SHADOW_MODE", "envoy.shadow_mode", "0", "true", "false", "true",
       [](const Config& c) { return std::to_string(c.rules.shadow_mode); }},
      {"--rate-limit-headers", "SLUICE_RATE_LIMIT_HEADERS", "envoy.rate_limit_headers", "0", "yes",
       "0", "1", [](const Config& c) { return std::to_string(c.rules.rate_limit_headers); }},
  };
  for (const PrecedenceCase& test : cases) {
    SCOPED_TRACE(test.flag);
    TempFile file("precedence.yaml", YamlOf(test.file_key, test.file_value));
    const std::string flag = std::string(test.flag) + "=" + test.flag_value;
    const Environment env = {{test.variable, test.env_value}};
    auto normalize = [](const std::string& value) {  // booleans as 0/1
      if (value == "true" || value == "yes") return std::string("1");
      if (value == "false") return std::string("0");
      return value;
    };

    auto defaults = Parse({});
    ASSERT_TRUE(defaults.ok()) << defaults.status();
    EXPECT_EQ(test.get(defaults->config), test.default_value);

    auto from_file = Parse({"--settings", file.path().c_str()});
    ASSERT_TRUE(from_file.ok()) << from_file.status();
    EXPECT_EQ(test.get(from_file->config), normalize(test.file_value));

    auto from_env = Parse({"--settings", file.path().c_str()}, env);
    ASSERT_TRUE(from_env.ok()) << from_env.status();
    EXPECT_EQ(test.get(from_env->config), normalize(test.env_value));

    auto from_flag = Parse({"--settings", file.path().c_str(), flag.c_str()}, env);
    ASSERT_TRUE(from_flag.ok()) << from_flag.status();
    EXPECT_EQ(test.get(from_flag->config), normalize(test.flag_value));

    auto env_only = Parse({}, env);
    ASSERT_TRUE(env_only.ok()) << env_only.status();
    EXPECT_EQ(test.get(env_only->config), normalize(test.env_value));
  }
}

TEST(SettingsParserTest, NegatedFlagThroughEveryLayer) {
  TempFile file("watch.yaml", "rules:\n  watch: false\n");
  EXPECT_TRUE(Parse({})->config.rules.watch);
  EXPECT_FALSE(Parse({"--settings", file.path().c_str()})->config.rules.watch);
  EXPECT_TRUE(Parse({"--settings", file.path().c_str()}, {{"SLUICE_NO_RULES_WATCH", "false"}})
                  ->config.rules.watch);
  EXPECT_FALSE(Parse({"--settings", file.path().c_str(), "--no-rules-watch"},
                     {{"SLUICE_NO_RULES_WATCH", "false"}})
                   ->config.rules.watch);
}

TEST(SettingsParserTest, SettingsFileFromVariableOrFlag) {
  TempFile a("a.yaml", "server:\n  cache_size: 11\n");
  TempFile b("b.yaml", "server:\n  cache_size: 22\n");
  auto by_variable = Parse({}, {{"SLUICE_SETTINGS", a.path().c_str()}});
  ASSERT_TRUE(by_variable.ok()) << by_variable.status();
  EXPECT_EQ(by_variable->config.store.cache_size, 11);
  EXPECT_EQ(by_variable->config.server.settings_file, a.path());
  auto by_flag = Parse({"--settings", b.path().c_str()}, {{"SLUICE_SETTINGS", a.path().c_str()}});
  ASSERT_TRUE(by_flag.ok()) << by_flag.status();
  EXPECT_EQ(by_flag->config.store.cache_size, 22);
  EXPECT_EQ(by_flag->config.server.settings_file, b.path());
}

TEST(SettingsParserTest, GubernatorDeployment) {
  TempFile conf("gubernator.conf",
                "# Gubernator settings\n"
                "GUBER_GRPC_ADDRESS=localhost:9081\n"
                "GUBER_HTTP_ADDRESS=:9080\n"
                "GUBER_CACHE_SIZE=1000\n"
                "GUBER_WORKER_COUNT=4\n"
                "GUBER_LOG_LEVEL=warning\n"
                "GUBER_LOG_FORMAT=json\n"
                "GUBER_GRACEFUL_TERMINATION_DELAY_SEC=1\n");
  // The environment wins over the file.
  auto cl = Parse({"--settings", conf.path().c_str()},
                  {{"GUBER_CACHE_SIZE", "2000"}, {"GUBER_DEBUG", "t"}});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->config.server.grpc_address, "localhost:9081");  // Gubernator keeps localhost
  EXPECT_EQ(cl->config.server.http_address, "0.0.0.0:9080");
  EXPECT_EQ(cl->config.store.cache_size, 2000);
  EXPECT_EQ(cl->config.server.http_threads, 4);
  EXPECT_EQ(cl->config.log.level, "debug");
  EXPECT_EQ(cl->config.log.format, "json");
}

TEST(SettingsParserTest, ErrorsNameSettingSourceAndAllowedValues) {
  auto env = Parse({}, {{"SLUICE_CACHE_SIZE", "zero"}});
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(),
            "--cache-size (variable SLUICE_CACHE_SIZE): invalid value 'zero'; allowed: INT in "
            "[1 - 4294967296]");

  auto guber = Parse({}, {{"GUBER_LOG_FORMAT", "xml"}});
  ASSERT_FALSE(guber.ok());
  EXPECT_EQ(guber.status().message(),
            "--log-format (variable GUBER_LOG_FORMAT): invalid value 'xml'; allowed: {text,json}");

  TempFile file("bad.yaml", "server:\n  cache_size: 5\nlog:\n  level: loud\n");
  auto from_file = Parse({"--settings", file.path().c_str()});
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(from_file.status().message(), "--log-level (file " + file.path() +
                                              ":4 (log.level)): invalid value 'loud'; allowed: "
                                              "{trace,debug,info,warn,error}");

  // A bad value is an error even where a higher layer overrides it.
  auto overridden = Parse({"--settings", file.path().c_str()}, {{"SLUICE_LOG_LEVEL", "info"}});
  ASSERT_FALSE(overridden.ok());
  EXPECT_NE(overridden.status().message().find(":4 (log.level)"), std::string::npos);

  auto flag = Parse({"--log-level", "loud"});
  ASSERT_FALSE(flag.ok());
  EXPECT_NE(flag.status().message().find("--log-level (flag --log-level): invalid value 'loud'; "
                                         "allowed: {trace,debug,info,warn,error}"),
            std::string::npos)
      << flag.status();

  auto boolean = Parse({}, {{"SLUICE_SHADOW_MODE", "maybe"}});
  ASSERT_FALSE(boolean.ok());
  EXPECT_EQ(boolean.status().message(),
            "--shadow-mode (variable SLUICE_SHADOW_MODE): invalid value 'maybe'; allowed: true or "
            "false");

  // Checks made after parsing (Validate) get the source too.
  auto advertise = Parse({}, {{"GUBER_ADVERTISE_ADDRESS", "0.0.0.0:1051"}});
  ASSERT_FALSE(advertise.ok());
  EXPECT_EQ(advertise.status().message(),
            "--advertise-addr (variable GUBER_ADVERTISE_ADDRESS): '0.0.0.0:1051' cannot be "
            "advertised; give the address peers reach this node at");

  TempFile address("address.yaml", "server:\n  http_address: nope\n");
  auto http = Parse({"--settings", address.path().c_str()});
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.status().message(),
            "--http-addr (file " + address.path() +
                ":2 (server.http_address)): invalid address \"nope\": missing ':port', want "
                "host:port");

  auto missing = Parse({"--settings", "/nonexistent.yaml"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent.yaml"), std::string::npos);
}

TEST(SettingsParserTest, HelpAndVersionDoNotNeedAValidEnvironment) {
  auto help = Parse({"-h"}, {{"SLUICE_CACHE_SIZE", "zero"}});
  ASSERT_TRUE(help.ok()) << help.status();
  EXPECT_TRUE(help->exit_now);
  EXPECT_NE(help->output.find("--settings"), std::string::npos);
  EXPECT_NE(help->output.find("SLUICE_"), std::string::npos);                 // the footer
  EXPECT_EQ(help->output.find("print-config-reference"), std::string::npos);  // hidden
}

TEST(SettingsParserTest, RepeatedFlagTakesTheLast) {
  auto cl = Parse({"-a", "127.0.0.1:1", "--addr", "127.0.0.1:2"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->config.server.grpc_address, "127.0.0.1:2");
}

TEST(SettingsParserTest, WarningsAreReturnedNotLogged) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  auto cl = Parse({}, {{"GUBER_METRIC_FLAGS", "os"},
                       {"SLUICE_CACHE_SIZ", "10"},
                       {"GUBER_PEER_DISCOVERY_TYPE", "none"},
                       {"HOME", "/root"}});
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->warnings,
            (std::vector<std::string>{
                "variable GUBER_METRIC_FLAGS: GUBER_METRIC_FLAGS is not supported by Sluice; "
                "ignored",
                "variable SLUICE_CACHE_SIZ: SLUICE_CACHE_SIZ is not a Sluice setting; ignored",
            }));
  // The caller logs them once logging is configured (main), so they come out in its format.
  EXPECT_EQ(log.str(), "");
}

TEST(SettingsParserTest, AttributeInsertsTheSource) {
  ParsedSettings parsed;
  parsed.sources["--addr"] = "variable SLUICE_ADDR";
  EXPECT_EQ(parsed.Attribute(absl::InvalidArgumentError("--addr: bad")).message(),
            "--addr (variable SLUICE_ADDR): bad");
  EXPECT_EQ(parsed.Attribute(absl::InvalidArgumentError("--http-addr: bad")).message(),
            "--http-addr: bad");
  EXPECT_EQ(parsed.Attribute(absl::InvalidArgumentError("other")).message(), "other");
  EXPECT_TRUE(parsed.Attribute(absl::OkStatus()).ok());
}

TEST(SettingsParserTest, PrintsTheReference) {
  auto cl = Parse({kPrintReferenceFlag}, {{"SLUICE_CACHE_SIZE", "zero"}});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_TRUE(cl->exit_now);
  EXPECT_EQ(cl->output.rfind("# Configuration reference", 0), 0u);
}

}  // namespace
}  // namespace sluice::server
