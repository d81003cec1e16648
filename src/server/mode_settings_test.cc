// Every contradictory combination of modes and settings stops start-up with both settings and
// their sources named; Hivemind's config.yaml lands in the mode Hivemind would run.
#include "server/mode_settings.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "server/config.h"

namespace sluice::server {
namespace {

using Env = std::map<std::string, std::string>;

absl::StatusOr<CommandLine> Parse(std::vector<std::string> args, const Env& env = {}) {
  std::vector<const char*> argv{"sluice"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), env);
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// The parse fails and its message holds every one of `parts`.
void ExpectError(const absl::StatusOr<CommandLine>& parsed, std::vector<std::string> parts) {
  ASSERT_FALSE(parsed.ok()) << "accepted; expected an error naming " << parts.front();
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  for (const auto& part : parts) {
    EXPECT_NE(parsed.status().message().find(part), std::string::npos)
        << "missing '" << part << "' in: " << parsed.status().message();
  }
}

TEST(ModeSettingsTest, MeshWithAnotherDiscoveryIsAnError) {
  for (const char* discovery : {"etcd", "dns", "mesh"}) {
    SCOPED_TRACE(discovery);
    ExpectError(Parse({"--mesh", "--discovery", discovery, "--dns-fqdn", "x"}),
                {"--mesh (flag --mesh)", std::string("--discovery ") + discovery,
                 "(flag --discovery)", "contradict"});
  }
  ExpectError(Parse({"--mesh"}, Env{{"GUBER_PEER_DISCOVERY_TYPE", "etcd"}}),
              {"--mesh (flag --mesh)", "--discovery etcd (variable GUBER_PEER_DISCOVERY_TYPE)"});
  ExpectError(Parse({}, Env{{"SLUICE_MESH", "true"}, {"SLUICE_DISCOVERY", "dns"}}),
              {"--mesh (variable SLUICE_MESH)", "--discovery dns (variable SLUICE_DISCOVERY)"});
}

TEST(ModeSettingsTest, MeshWithDiscoveryBackendSettingsIsAnError) {
  const std::vector<std::vector<std::string>> cases = {
      {"--dns-fqdn", "peers.example"},   {"--dns-interval", "1s"},
      {"--etcd-endpoints", "e:2379"},    {"--etcd-key-prefix", "/p"},
      {"--etcd-lease-ttl", "10s"},       {"--etcd-poll-interval", "2s"},
      {"--etcd-timeout", "1s"},
  };
  for (const auto& setting : cases) {
    SCOPED_TRACE(setting[0]);
    std::vector<std::string> args = {"--mesh"};
    args.insert(args.end(), setting.begin(), setting.end());
    ExpectError(Parse(args), {"--mesh (flag --mesh)", setting[0] + " (flag " + setting[0] + ")",
                              "no effect in mesh mode"});
  }
  ExpectError(Parse({"--mesh"}, Env{{"GUBER_ETCD_ENDPOINTS", "e:2379"}}),
              {"--etcd-endpoints (variable GUBER_ETCD_ENDPOINTS)"});
}

TEST(ModeSettingsTest, MeshWithForwardingOrGlobalSettingsIsAnError) {
  const std::vector<std::vector<std::string>> cases = {
      {"--force-global"},          {"--global-sync-wait", "50ms"}, {"--global-batch-limit", "9"},
      {"--global-timeout", "1s"},  {"--batch-wait", "1ms"},        {"--batch-limit", "10"},
      {"--batch-timeout", "1s"},   {"--disable-batching"},         {"--fail-open"},
      {"--data-center", "dc1"},    {"--peer-error-window", "5s"},  {"--on-peer-failure", "deny"},
  };
  for (const auto& setting : cases) {
    SCOPED_TRACE(setting[0]);
    std::vector<std::string> args = {"--mesh"};
    args.insert(args.end(), setting.begin(), setting.end());
    ExpectError(Parse(args), {"--mesh (flag --mesh)", setting[0] + " (flag " + setting[0] + ")"});
  }
  ExpectError(Parse({"--mesh"}, Env{{"GUBER_FORCE_GLOBAL", "true"}}),
              {"--force-global (variable GUBER_FORCE_GLOBAL)", "GLOBAL"});
  ExpectError(Parse({"--mesh", "--tls-peer-server-name", "peer.example"}),
              {"--mesh (flag --mesh)", "--tls-peer-server-name (flag --tls-peer-server-name)",
               "forward nothing"});
}

TEST(ModeSettingsTest, SettingsFileContradictionsNameFileAndLine) {
  const std::string path = WriteFile("mesh_etcd.yaml", "mesh:\n  enabled: true\ncluster:\n"
                                                       "  discovery: etcd\n");
  ExpectError(Parse({"--settings", path}),
              {"--mesh (file " + path + ":2 (mesh.enabled))",
               "--discovery etcd (file " + path + ":4 (cluster.discovery))"});
}

TEST(ModeSettingsTest, SeedsGivenTwiceIsAnError) {
  ExpectError(Parse({"--mesh", "--peers", "127.0.0.1:1", "--mesh-seeds", "127.0.0.1:2"}),
              {"--peers (flag --peers)", "--mesh-seeds (flag --mesh-seeds)", "seeds"});
}

TEST(ModeSettingsTest, DiscoveryBackendsExcludeEachOther) {
  ExpectError(Parse({"--discovery", "dns", "--dns-fqdn", "x", "--peers", "127.0.0.1:1"}),
              {"--discovery dns (flag --discovery)", "--peers (flag --peers)", "static peers"});
  ExpectError(Parse({"--discovery", "etcd", "--peers", "127.0.0.1:1"}),
              {"--discovery etcd", "--peers (flag --peers)"});
  ExpectError(Parse({"--discovery", "etcd", "--dns-fqdn", "x"}),
              {"--discovery etcd (flag --discovery)", "--dns-fqdn (flag --dns-fqdn)"});
  ExpectError(Parse({"--discovery", "dns", "--dns-fqdn", "x", "--etcd-endpoints", "e:1"}),
              {"--discovery dns", "--etcd-endpoints (flag --etcd-endpoints)"});
  ExpectError(Parse({"--discovery", "mesh", "--etcd-key-prefix", "/x"}),
              {"--discovery mesh", "--etcd-key-prefix (flag --etcd-key-prefix)"});
  ExpectError(Parse({"--dns-fqdn", "x"}), {"--discovery static (default)", "--dns-fqdn"});
  ExpectError(Parse({"--peers", "127.0.0.1:1"}, Env{{"GUBER_ETCD_ENDPOINTS", "e:1"}}),
              {"--discovery static (default)", "--etcd-endpoints (variable GUBER_ETCD_ENDPOINTS)"});
}

TEST(ModeSettingsTest, GossipSettingsWithoutTheMeshAreAnError) {
  const std::vector<std::vector<std::string>> cases = {
      {"--node-id", "a"},          {"--mesh-addr", "127.0.0.1:7946"},
      {"--mesh-seeds", "127.0.0.1:7946"}, {"--gossip-interval", "50ms"},
      {"--mesh-cluster-id", "c"},  {"--mesh-gc-grace", "1s"},
  };
  for (const auto& setting : cases) {
    SCOPED_TRACE(setting[0]);
    ExpectError(Parse(setting), {setting[0] + " (flag " + setting[0] + ")", "--mesh"});
    // In a cluster with static peers too.
    std::vector<std::string> args = {"--peers", "127.0.0.1:1"};
    args.insert(args.end(), setting.begin(), setting.end());
    ExpectError(Parse(args), {setting[0] + " (flag " + setting[0] + ")"});
  }
  ExpectError(Parse({}, Env{{"GUBER_MEMBERLIST_KNOWN_NODES", "127.0.0.1:7946"}}),
              {"--mesh-seeds (variable GUBER_MEMBERLIST_KNOWN_NODES)"});
}

TEST(ModeSettingsTest, ConsistentCombinationsPass) {
  auto mesh = Parse({"--mesh", "--peers", "127.0.0.1:7946", "--node-id", "a"});
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  EXPECT_EQ(mesh->config.mesh.gossip.seeds, std::vector<std::string>{"127.0.0.1:7946"});

  auto seeds = Parse({"--mesh", "--mesh-seeds", "127.0.0.1:7946", "--discovery", "static"});
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  EXPECT_TRUE(seeds->config.cluster.peers.empty());
  EXPECT_EQ(seeds->config.mesh.gossip.seeds, std::vector<std::string>{"127.0.0.1:7946"});

  auto member_list = Parse({"--force-global", "--gossip-interval", "50ms"},
                           Env{{"GUBER_PEER_DISCOVERY_TYPE", "member-list"},
                               {"GUBER_MEMBERLIST_KNOWN_NODES", "127.0.0.1:7946"}});
  ASSERT_TRUE(member_list.ok()) << member_list.status();
  EXPECT_EQ(member_list->config.cluster.discovery, Discovery::kMesh);
  EXPECT_EQ(member_list->config.mesh.gossip.seeds, std::vector<std::string>{"127.0.0.1:7946"});

  auto cluster = Parse({"--peers", "127.0.0.1:1,127.0.0.1:2", "--force-global", "--batch-limit",
                        "10", "--data-center", "dc1"});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_TRUE(cluster->config.mesh.gossip.seeds.empty());

  auto etcd = Parse({"--discovery", "etcd", "--etcd-endpoints", "e:1", "--etcd-key-prefix", "/x"});
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  auto none = Parse({"--mesh"}, Env{{"GUBER_PEER_DISCOVERY_TYPE", "none"}});
  ASSERT_TRUE(none.ok()) << none.status();
}

TEST(ModeSettingsTest, HivemindConfigWithoutMeshEnabledIsStandalone) {
  // Hivemind's documented config.yaml; without mesh.enabled its node runs alone.
  const std::string path = WriteFile("hivemind.yaml", R"(server:
  grpc_addr: 127.0.0.1:8081
mesh:
  node_id: node-1
  bind_addr: 127.0.0.1:7946
  bootstrap_peers:
    - 127.0.0.1:7947
    - 127.0.0.1:7948
  gossip_interval_ms: 100
)");
  auto parsed = Parse({"--settings", path});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->config.mesh.enabled);
  EXPECT_TRUE(parsed->config.cluster.peers.empty()) << "bootstrap peers are not cluster peers";
  EXPECT_TRUE(parsed->config.mesh.gossip.seeds.empty());
  bool warned = false;
  for (const auto& w : parsed->warnings) {
    warned = warned || (w.find(path + ":6 (mesh.bootstrap_peers)") != std::string::npos &&
                        w.find("mesh mode is off") != std::string::npos);
  }
  EXPECT_TRUE(warned);
}

TEST(ModeSettingsTest, HivemindConfigWithMeshEnabledIsMeshMode) {
  const std::string path = WriteFile("hivemind_mesh.yaml", R"(server:
  grpc_addr: 127.0.0.1:8081
mesh:
  enabled: true
  node_id: node-1
  bind_addr: 127.0.0.1:7946
  bootstrap_peers: ["127.0.0.1:7947", "127.0.0.1:7948"]
)");
  auto parsed = Parse({"--settings", path});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->config.mesh.enabled);
  EXPECT_EQ(parsed->config.mesh.gossip.node_id, "node-1");
  EXPECT_EQ(parsed->config.mesh.gossip.bind_address, "127.0.0.1:7946");
  EXPECT_TRUE(parsed->config.cluster.peers.empty());
  EXPECT_EQ(parsed->config.mesh.gossip.seeds,
            (std::vector<std::string>{"127.0.0.1:7947", "127.0.0.1:7948"}));
}

}  // namespace
}  // namespace sluice::server
