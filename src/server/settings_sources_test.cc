// The catalog's naming rules and the two layers (environment, settings file) on a small App
// that has the kinds of options Sluice declares (and a few a later build may add).
#include "server/settings_sources.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "server/settings_catalog.h"

namespace sluice::server {
namespace {

using Values = std::vector<std::string>;

class SettingsSourcesTest : public ::testing::Test {
 protected:
  SettingsSourcesTest() {
    app_.set_version_flag("-V,--version", "1");
    app_.add_option("--settings", text_);
    app_.add_option("-a,--addr", text_)->default_str("127.0.0.1:1051");
    app_.add_option("--http-addr", text_);
    app_.add_option("--cache-size", number_)->check(CLI::Range(1, 100));
    app_.add_option("--http-threads", number_);
    app_.add_option("-c,--config,--rules", text_);
    app_.add_flag("!--no-rules-watch", flag_);
    app_.add_flag("--shadow-mode", flag_);
    app_.add_option("--log-level", text_)->check(CLI::IsMember({"debug", "info", "warn"}));
    app_.add_option("--peers", text_);
    app_.add_option("--discovery", text_);
    app_.add_option("--batch-wait-us", number_);
    app_.add_flag("--mesh", flag_);
    app_.add_option("--mesh-addr", text_);
    app_.add_option("--gossip-interval-ms", number_);
    app_.add_option("--mesh-seeds", list_);
    app_.add_option("--tls-cert", text_);
    app_.add_option("--trace-service-name", text_);
    app_.add_option("--scrape-path", text_)->group("Metrics");
    app_.add_flag("--secret-switch", flag_)->group("");
  }

  CLI::Option* Option(const std::string& name) { return app_.get_option(name); }

  // The items of a layer as "flag=value,value <source>" lines.
  static std::vector<std::string> Lines(const SettingsLayer& layer) {
    std::vector<std::string> lines;
    for (const SettingItem& item : layer.items) {
      std::string line = item.flag + "=";
      for (size_t i = 0; i < item.values.size(); ++i) line += (i ? "|" : "") + item.values[i];
      lines.push_back(line + " <" + item.source + ">");
    }
    return lines;
  }

  static bool HasWarning(const SettingsLayer& layer, const std::string& text) {
    for (const std::string& warning : layer.warnings) {
      if (warning.find(text) != std::string::npos) return true;
    }
    return false;
  }

  absl::StatusOr<SettingsLayer> Yaml(const std::string& text) {
    return ParseSettingsText(SettingsCatalog(app_), text, "sluice.yaml");
  }

  CLI::App app_{"test"};
  std::string text_;
  int number_ = 0;
  bool flag_ = false;
  std::vector<std::string> list_;
};

TEST_F(SettingsSourcesTest, CatalogNamesEveryOptionButHelpVersionAndHidden) {
  SettingsCatalog catalog(app_);
  std::vector<std::string> names;
  for (const CLI::Option* option : catalog.options()) names.push_back(option->get_lnames()[0]);
  EXPECT_EQ(names.front(), "settings");
  EXPECT_EQ(std::count(names.begin(), names.end(), "help"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "version"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "secret-switch"), 0);
  EXPECT_EQ(names.size(), 19u);
}

TEST_F(SettingsSourcesTest, CatalogDerivesVariablesAndFileKeys) {
  SettingsCatalog catalog(app_);
  EXPECT_EQ(catalog.SluiceVariablesOf(*Option("--http-addr")), (Values{"SLUICE_HTTP_ADDR"}));
  EXPECT_EQ(catalog.SluiceVariablesOf(*Option("--config")),
            (Values{"SLUICE_CONFIG", "SLUICE_RULES"}));
  const std::pair<const char*, const char*> keys[] = {
      {"--addr", "server.grpc_address"},
      {"--http-addr", "server.http_address"},
      {"--cache-size", "server.cache_size"},
      {"--http-threads", "server.http_threads"},
      {"--config", "rules.path"},
      {"--no-rules-watch", "rules.watch"},
      {"--shadow-mode", "envoy.shadow_mode"},
      {"--log-level", "log.level"},
      {"--peers", "cluster.peers"},
      {"--discovery", "cluster.discovery"},
      {"--batch-wait-us", "cluster.batch_wait_us"},
      {"--mesh", "mesh.enabled"},
      {"--mesh-addr", "mesh.bind_address"},
      {"--gossip-interval-ms", "mesh.gossip_interval_ms"},
      {"--tls-cert", "tls.cert"},
      {"--scrape-path", "metrics.scrape_path"},
      {"--settings", ""},
  };
  for (const auto& [flag, key] : keys) EXPECT_EQ(catalog.FileKeyOf(*Option(flag)), key) << flag;
  EXPECT_EQ(catalog.ForFileKey("rules.watch")->kind, ValueKind::kInvertedBool);
  EXPECT_EQ(catalog.ForFileKey("server.grpc_port")->kind, ValueKind::kPort);
  EXPECT_EQ(catalog.ForFileKey("mesh.bootstrap_peers")->flag, "--mesh-seeds")
      << "Hivemind's seeds are mesh seeds, never consistent-hash cluster peers";
  EXPECT_FALSE(catalog.ForFileKey("server.settings"));
  EXPECT_FALSE(catalog.ForFileKey("cluster.etcd_endpoints"));  // no such option here
}

TEST_F(SettingsSourcesTest, CatalogMapsGubernatorNamesOntoExistingFlagsOnly) {
  SettingsCatalog catalog(app_);
  EXPECT_EQ(catalog.ForGuberVariable("GUBER_GRPC_ADDRESS")->flag, "--addr");
  EXPECT_EQ(catalog.ForGuberVariable("GUBER_WORKER_COUNT")->flag, "--http-threads");
  EXPECT_EQ(catalog.ForGuberVariable("GUBER_BATCH_WAIT")->flag, "--batch-wait-us");
  EXPECT_FALSE(catalog.ForGuberVariable("GUBER_ETCD_ENDPOINTS"));  // no --etcd-endpoints here
  EXPECT_FALSE(catalog.ForGuberVariable("GUBER_METRIC_FLAGS"));    // not in the table
  EXPECT_EQ(catalog.GuberVariablesOf(*Option("--log-level")),
            (Values{"GUBER_LOG_LEVEL", "GUBER_DEBUG"}));
}

TEST_F(SettingsSourcesTest, EnvironmentSluiceAndGuberNames) {
  auto layer =
      ReadEnvironment(SettingsCatalog(app_), {{"SLUICE_HTTP_ADDR", "127.0.0.1:2"},
                                              {"SLUICE_RULES", "/r"},
                                              {"SLUICE_NO_RULES_WATCH", "true"},
                                              {"GUBER_GRPC_ADDRESS", ":1051"},
                                              {"GUBER_BATCH_WAIT", "1ms"},
                                              {"GUBER_PEER_DISCOVERY_TYPE", "member-list"},
                                              {"GUBER_MEMBERLIST_KNOWN_NODES", "a:7946,b:7946"},
                                              {"SLUICE_EMPTY_IS_UNSET", ""},
                                              {"SLUICE_CACHE_SIZE", ""},
                                              {"PATH", "/bin"}});
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_EQ(Lines(*layer), (Values{
                               "--addr=0.0.0.0:1051 <variable GUBER_GRPC_ADDRESS>",
                               "--discovery=mesh <variable GUBER_PEER_DISCOVERY_TYPE>",
                               "--batch-wait-us=1000 <variable GUBER_BATCH_WAIT>",
                               "--mesh-seeds=a:7946|b:7946 <variable GUBER_MEMBERLIST_KNOWN_NODES>",
                               "--http-addr=127.0.0.1:2 <variable SLUICE_HTTP_ADDR>",
                               "--no-rules-watch=true <variable SLUICE_NO_RULES_WATCH>",
                               "--rules=/r <variable SLUICE_RULES>",
                           }));
  EXPECT_TRUE(HasWarning(*layer, "SLUICE_EMPTY_IS_UNSET is not a Sluice setting"));
}

TEST_F(SettingsSourcesTest, EnvironmentKeepsLocalhostAndOrdersOverrides) {
  auto layer = ReadEnvironment(SettingsCatalog(app_), {{"GUBER_GRPC_ADDRESS", "localhost:1051"},
                                                       {"GUBER_DEBUG", "true"},
                                                       {"GUBER_LOG_LEVEL", "warning"},
                                                       {"SLUICE_LOG_LEVEL", "info"}});
  ASSERT_TRUE(layer.ok()) << layer.status();
  // Later items win: GUBER_DEBUG over GUBER_LOG_LEVEL, SLUICE_* over both.
  EXPECT_EQ(Lines(*layer), (Values{
                               "--addr=localhost:1051 <variable GUBER_GRPC_ADDRESS>",
                               "--log-level=warn <variable GUBER_LOG_LEVEL>",
                               "--log-level=debug <variable GUBER_DEBUG>",
                               "--log-level=info <variable SLUICE_LOG_LEVEL>",
                           }));
}

TEST_F(SettingsSourcesTest, UnsupportedGubernatorVariablesAreWarnedNotIgnoredSilently) {
  auto layer = ReadEnvironment(SettingsCatalog(app_), {{"GUBER_METRIC_FLAGS", "os"},
                                                       {"GUBER_ETCD_ENDPOINTS", "e:2379"},
                                                       {"GUBER_PEER_DISCOVERY_TYPE", "k8s"}});
  ASSERT_TRUE(layer.ok()) << layer.status();
  ASSERT_EQ(layer->items.size(), 1u);  // k8s discovery is supported
  EXPECT_TRUE(HasWarning(*layer,
                         "variable GUBER_METRIC_FLAGS: GUBER_METRIC_FLAGS is not "
                         "supported by Sluice; ignored"));
  EXPECT_TRUE(HasWarning(*layer, "GUBER_ETCD_ENDPOINTS is not supported"));
}

TEST_F(SettingsSourcesTest, EnvironmentConversionErrorNamesSettingSourceAndAllowedValues) {
  auto layer = ReadEnvironment(SettingsCatalog(app_), {{"GUBER_BATCH_WAIT", "soon"}});
  ASSERT_FALSE(layer.ok());
  EXPECT_EQ(layer.status().message(),
            "--batch-wait-us (variable GUBER_BATCH_WAIT): invalid value 'soon'; allowed: a Go "
            "duration such as 500us, 100ms, 5s, 1m30s");
}

TEST_F(SettingsSourcesTest, YamlSectionsKeysAndLines) {
  auto layer = Yaml(R"(# Sluice settings
server:
  grpc_address: 127.0.0.1:9001
  cache_size: 10
rules:
  path: /etc/rules
  watch: false
cluster:
  peers: [a:1, b:2]
mesh:
  seeds:
    - s:1
    - s:2
log:
  level: debug
metrics:
  scrape_path: /m
envoy:
  shadow_mode: yes
empty:
)");
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_EQ(Lines(*layer), (Values{
                               "--addr=127.0.0.1:9001 <file sluice.yaml:3 (server.grpc_address)>",
                               "--cache-size=10 <file sluice.yaml:4 (server.cache_size)>",
                               "--config=/etc/rules <file sluice.yaml:6 (rules.path)>",
                               "--no-rules-watch=true <file sluice.yaml:7 (rules.watch)>",
                               "--peers=a:1,b:2 <file sluice.yaml:9 (cluster.peers)>",
                               "--mesh-seeds=s:1|s:2 <file sluice.yaml:11 (mesh.seeds)>",
                               "--log-level=debug <file sluice.yaml:15 (log.level)>",
                               "--scrape-path=/m <file sluice.yaml:17 (metrics.scrape_path)>",
                               "--shadow-mode=yes <file sluice.yaml:19 (envoy.shadow_mode)>",
                           }));
}

TEST_F(SettingsSourcesTest, YamlHivemindAliases) {
  auto layer = Yaml(R"(server:
  grpc_port: 8081
rate_limiting:
  config_path: /etc/ratelimit.yaml
mesh:
  bootstrap_peers: ["10.0.0.1:7946", "10.0.0.2:7946"]
  bind_addr: 0.0.0.0:7946
  gossip_interval_ms: 100
  sync_interval_ms: 1000
observability:
  metrics_port: 9090
)");
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_EQ(Lines(*layer),
            (Values{
                "--addr=127.0.0.1:8081 <file sluice.yaml:2 (server.grpc_port)>",
                "--config=/etc/ratelimit.yaml <file sluice.yaml:4 (rate_limiting.config_path)>",
                "--mesh-seeds=10.0.0.1:7946|10.0.0.2:7946 <file sluice.yaml:6 "
                "(mesh.bootstrap_peers)>",
                "--mesh-addr=0.0.0.0:7946 <file sluice.yaml:7 (mesh.bind_addr)>",
                "--gossip-interval-ms=100 <file sluice.yaml:8 (mesh.gossip_interval_ms)>",
            }));
  EXPECT_TRUE(HasWarning(*layer, "file sluice.yaml:9 (mesh.sync_interval_ms): Sluice has no"));
  EXPECT_TRUE(HasWarning(*layer, "file sluice.yaml:11 (observability.metrics_port)"));
}

TEST_F(SettingsSourcesTest, YamlErrorsNameFileLineAndWhatIsAllowed) {
  auto unknown = Yaml("server:\n  cache_size: 5\n  grpc_adress: x:1\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "file sluice.yaml:3: unknown setting 'server.grpc_adress'; known keys in section "
            "'server': server.cache_size, server.grpc_addr, server.grpc_address, "
            "server.grpc_port, server.http_address, server.http_threads, server.workers");

  auto section = Yaml("log:\n  level: info\nlogging:\n  level: info\n");
  ASSERT_FALSE(section.ok());
  EXPECT_NE(section.status().message().find("file sluice.yaml:4: unknown section 'logging'; "
                                            "sections: server, rules, cluster, mesh, tls, log"),
            std::string::npos)
      << section.status();

  auto twice = Yaml("server:\n  grpc_address: a:1\n  grpc_port: 2\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(),
            "file sluice.yaml:3: 'server.grpc_port' sets --addr, already set by file "
            "sluice.yaml:2 (server.grpc_address)");

  auto mapping = Yaml("server:\n  cache_size:\n    value: 5\n");
  ASSERT_FALSE(mapping.ok());
  EXPECT_NE(mapping.status().message().find("sluice.yaml:2: 'server.cache_size' must be a value"),
            std::string::npos);

  auto top = Yaml("- server\n");
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.status().message().find("sluice.yaml:1: expected sections"), std::string::npos);

  auto syntax = Yaml("server:\n  cache_size: [1, 2\n");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("YAML syntax error"), std::string::npos);

  auto port = Yaml("\nserver:\n  grpc_port: http\n");
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().message(),
            "--addr (file sluice.yaml:3 (server.grpc_port)): invalid value 'http'; allowed: a "
            "port number 0-65535");
}

TEST_F(SettingsSourcesTest, EmptyYamlIsNoSettings) {
  auto layer = Yaml("# nothing yet\n");
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_TRUE(layer->items.empty());
}

TEST_F(SettingsSourcesTest, GubernatorKeyValueFile) {
  auto layer = ParseSettingsText(SettingsCatalog(app_),
                                 "# Gubernator config\n"
                                 "\n"
                                 "GUBER_GRPC_ADDRESS = 127.0.0.1:9001\n"
                                 "  GUBER_CACHE_SIZE=1\n"  // leading space: skipped
                                 "GUBER_CACHE_SIZE=7\n"
                                 "GUBER_METRIC_FLAGS=os\n"
                                 "OTEL_SERVICE_NAME=edge\n"
                                 "JAVA_HOME=/opt/java\n"
                                 "SLUICE_HTTP_ADDR=127.0.0.1:9002\r\n",
                                 "gubernator.conf");
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_EQ(Lines(*layer),
            (Values{
                "--addr=127.0.0.1:9001 <file gubernator.conf:3 (GUBER_GRPC_ADDRESS)>",
                "--cache-size=7 <file gubernator.conf:5 (GUBER_CACHE_SIZE)>",
                "--trace-service-name=edge <file gubernator.conf:7 (OTEL_SERVICE_NAME)>",
                "--http-addr=127.0.0.1:9002 <file gubernator.conf:9 (SLUICE_HTTP_ADDR)>",
            }));
  EXPECT_TRUE(HasWarning(*layer,
                         "file gubernator.conf:6 (GUBER_METRIC_FLAGS): "
                         "GUBER_METRIC_FLAGS is not supported by Sluice"));
  EXPECT_TRUE(HasWarning(*layer, "JAVA_HOME is not a Sluice or Gubernator setting"));
}

TEST_F(SettingsSourcesTest, GubernatorKeyValueFileErrors) {
  auto malformed = ParseSettingsText(SettingsCatalog(app_),
                                     "GUBER_CACHE_SIZE=7\n# fine\nGUBER_DEBUG\n", "g.conf");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().message(), "file g.conf: malformed key=value on line '3'");

  auto nested = ParseSettingsText(SettingsCatalog(app_), "SLUICE_SETTINGS=/other\n", "g.conf");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("cannot name another"), std::string::npos);
}

TEST_F(SettingsSourcesTest, ReadSettingsFileFromDisk) {
  const std::string path = ::testing::TempDir() + "/settings_sources_test.yaml";
  std::ofstream(path) << "log:\n  level: warn\n";
  auto layer = ReadSettingsFile(SettingsCatalog(app_), path);
  std::remove(path.c_str());
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_EQ(Lines(*layer), (Values{"--log-level=warn <file " + path + ":2 (log.level)>"}));

  auto missing = ReadSettingsFile(SettingsCatalog(app_), "/nonexistent/sluice.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/sluice.yaml"), std::string::npos);
}

}  // namespace
}  // namespace sluice::server
