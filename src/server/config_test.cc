#include "server/config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace sluice::server {
namespace {

absl::StatusOr<CommandLine> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "sluice");
  return ParseCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(ConfigTest, DefaultsMatchTheDesign) {
  auto cl = Parse({});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->config.server.grpc_address, "127.0.0.1:1051");
  EXPECT_EQ(cl->config.server.http_address, "127.0.0.1:1050");
  EXPECT_EQ(cl->config.store.cache_size, 50'000);
  EXPECT_FALSE(cl->exit_now);
}

TEST(ConfigTest, FlagsSetValues) {
  auto cl = Parse({"-a", "127.0.0.1:9001", "--http-addr", "127.0.0.1:9002", "--cache-size",
                   "10", "--peers", "127.0.0.1:1,127.0.0.1:2", "-c", "/tmp/rules"});
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->config.server.grpc_address, "127.0.0.1:9001");
  EXPECT_EQ(cl->config.server.http_address, "127.0.0.1:9002");
  EXPECT_EQ(cl->config.store.cache_size, 10);
  EXPECT_EQ(cl->config.cluster.peers, (std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2"}));
  EXPECT_EQ(cl->config.rules.path, "/tmp/rules");
}

TEST(ConfigTest, HelpAndVersionExitWithText) {
  auto help = Parse({"-h"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->exit_now);
  EXPECT_NE(help->output.find("--http-addr"), std::string::npos);
  EXPECT_NE(help->output.find("127.0.0.1:1051"), std::string::npos);  // defaults are listed
  auto version = Parse({"-V"});
  ASSERT_TRUE(version.ok());
  EXPECT_TRUE(version->exit_now);
  EXPECT_NE(version->output.find(kVersion), std::string::npos);
}

TEST(ConfigTest, BadValuesNameTheSetting) {
  auto unknown = Parse({"--no-such-flag"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("--no-such-flag"), std::string::npos);

  auto size = Parse({"--cache-size", "zero"});
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.status().message().find("cache-size"), std::string::npos);

  auto addr = Parse({"--http-addr", "nope"});
  ASSERT_FALSE(addr.ok());
  EXPECT_NE(addr.status().message().find("--http-addr"), std::string::npos);

  auto port = Parse({"-a", "127.0.0.1:99999"});
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("--addr"), std::string::npos);

  auto advertise = Parse({"--advertise-addr", "0.0.0.0:1051"});
  ASSERT_FALSE(advertise.ok());
  EXPECT_NE(advertise.status().message().find("--advertise-addr"), std::string::npos);

  // Validation and startup parse addresses by the same rules: an unbracketed IPv6 host once
  // passed here and then failed when the mesh bound its socket.
  auto mesh_addr = Parse({"--mesh", "--mesh-addr", "::1:7946"});
  ASSERT_FALSE(mesh_addr.ok());
  EXPECT_NE(mesh_addr.status().message().find("--mesh-addr"), std::string::npos);
  EXPECT_NE(mesh_addr.status().message().find("brackets"), std::string::npos);
  auto http_v6 = Parse({"--http-addr", "::1:8080"});
  ASSERT_FALSE(http_v6.ok());
  EXPECT_NE(http_v6.status().message().find("--http-addr"), std::string::npos);
  EXPECT_TRUE(Parse({"--mesh", "--mesh-addr", "[::1]:7946"}).ok());

  auto level = Parse({"--log-level", "loud"});
  ASSERT_FALSE(level.ok());
  EXPECT_NE(level.status().message().find("log-level"), std::string::npos);
}

TEST(ConfigTest, OnPeerFailureTakesTheFourPoliciesAndNamesTheFlagOtherwise) {
  auto unset = Parse({});
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_EQ(unset->config.cluster.on_peer_failure, cluster::PeerFailurePolicy::kError);
  for (const char* name : {"error", "allow", "deny", "local"}) {
    auto set = Parse({"--peers", "127.0.0.1:1,127.0.0.1:2", "--on-peer-failure", name});
    ASSERT_TRUE(set.ok()) << set.status();
    EXPECT_EQ(cluster::PeerFailurePolicyName(set->config.cluster.on_peer_failure), name);
  }
  auto bad = Parse({"--on-peer-failure", "retry"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--on-peer-failure"), std::string::npos)
      << bad.status();
  EXPECT_NE(bad.status().message().find("retry"), std::string::npos) << bad.status();
  auto both = Parse({"--on-peer-failure", "deny", "--fail-open"});
  ASSERT_FALSE(both.ok());
  for (const char* part : {"--on-peer-failure", "deny", "--fail-open", "contradict"}) {
    EXPECT_NE(both.status().message().find(part), std::string::npos) << both.status();
  }
}

TEST(ConfigTest, TlsSettingsAreCheckedTogether) {
  // /etc/passwd stands in for an existing file: contents are checked at startup (tls_files.h).
  auto ca_alone = Parse({"--tls-ca", "/etc/passwd"});
  ASSERT_FALSE(ca_alone.ok());
  EXPECT_NE(ca_alone.status().message().find("need --tls-cert and --tls-key"), std::string::npos)
      << ca_alone.status();
  auto cert_alone = Parse({"--tls-cert", "/etc/passwd"});
  ASSERT_FALSE(cert_alone.ok());
  EXPECT_NE(cert_alone.status().message().find("give both or neither"), std::string::npos);
  auto bad_mode = Parse({"--tls-cert", "/etc/passwd", "--tls-key", "/etc/passwd",
                         "--tls-client-auth", "always"});
  ASSERT_FALSE(bad_mode.ok());
  EXPECT_NE(bad_mode.status().message().find("--tls-client-auth"), std::string::npos)
      << bad_mode.status();
  auto missing = Parse({"--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/etc/passwd"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--tls-cert"), std::string::npos) << missing.status();
  auto ok = Parse({"--tls-cert", "/etc/passwd", "--tls-key", "/etc/passwd", "--tls-ca",
                   "/etc/passwd", "--tls-client-auth", "require-and-verify"});
  EXPECT_TRUE(ok.ok()) << ok.status();
}

}  // namespace
}  // namespace sluice::server

namespace sluice::server {
namespace {

TEST(StartupSettingsTest, ChangedSettingsAreListedWithSecretsMasked) {
  EXPECT_TRUE(IsSecretSetting("--etcd-password"));
  EXPECT_TRUE(IsSecretSetting("--k8s-token"));
  EXPECT_FALSE(IsSecretSetting("--mesh-secret-file"));  // a path, not the secret
  EXPECT_FALSE(IsSecretSetting("--cache-size"));
  const char* argv[] = {"sluice", "--cache-size", "50000", "--log-level", "debug"};
  auto command_line = ParseCommandLine(5, argv, {{"SLUICE_HTTP_THREADS", "3"}});
  ASSERT_TRUE(command_line.ok()) << command_line.status();
  // --cache-size was given but equals its default.
  EXPECT_EQ(command_line->changed,
            (std::map<std::string, std::string>{{"--http-threads", "3"}, {"--log-level", "debug"}}));
  EXPECT_EQ(command_line->sources.at("--http-threads"), "variable SLUICE_HTTP_THREADS");
}

absl::StatusOr<CommandLine> ParseWithEnv(std::vector<const char*> args,
                                         const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), "sluice");
  return ParseCommandLine(static_cast<int>(args.size()), args.data(), env);
}

// Issue 18: the limits on what a client can make a node hold, and their defaults.
TEST(ConfigTest, LimitsHaveDefaultsAndFlags) {
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->config.store.max_key_bytes, 4096);
  EXPECT_EQ(defaults->config.store.max_clock_skew, absl::Seconds(5));
  EXPECT_EQ(CacheMaxBytes(defaults->config), 50'000 * kCacheBytesPerKey);

  // The interop harness passes a ten-year skew in Go's duration syntax.
  auto set = Parse({"--max-clock-skew", "87600h", "--max-key-bytes", "512", "--cache-max-bytes",
                    "33554432"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->config.store.max_clock_skew, absl::Hours(87600));
  EXPECT_EQ(set->config.store.max_key_bytes, 512);
  EXPECT_EQ(CacheMaxBytes(set->config), 33'554'432);
  auto zero = Parse({"--max-clock-skew", "0"});
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(zero->config.store.max_clock_skew, absl::ZeroDuration());

  auto help = Parse({"-h"});
  ASSERT_TRUE(help.ok());
  EXPECT_NE(help->output.find("--max-clock-skew"), std::string::npos);
}

TEST(ConfigTest, AByteBudgetTooSmallForTheLongestKeyIsRefused) {
  auto small = Parse({"--cache-max-bytes", "1000"});
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("1000 is too small for --max-key-bytes 4096; give at "
                                          "least 270848"),
            std::string::npos)
      << small.status();
  auto negative_skew = Parse({"--max-clock-skew", "-1s"});
  ASSERT_FALSE(negative_skew.ok());
  EXPECT_NE(negative_skew.status().message().find("--max-clock-skew"), std::string::npos);
}

// Issue 18 #11: Gubernator's ring settings, with its rule for the hash's default.
TEST(ConfigTest, RingHashAndReplicasFollowGubernatorsSettings) {
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(RingHashName(defaults->config), "fnv1");
  EXPECT_EQ(defaults->config.cluster.replicated_hash_replicas, 512);

  auto picker = ParseWithEnv({}, {{"GUBER_PEER_PICKER", "replicated-hash"},
                                  {"GUBER_REPLICATED_HASH_REPLICAS", "1024"}});
  ASSERT_TRUE(picker.ok()) << picker.status();
  EXPECT_EQ(RingHashName(picker->config), "fnv1a");  // Gubernator's default with a picker set
  EXPECT_EQ(picker->config.cluster.replicated_hash_replicas, 1024);

  auto explicit_hash = ParseWithEnv(
      {}, {{"GUBER_PEER_PICKER", "replicated-hash"}, {"GUBER_PEER_PICKER_HASH", "fnv1"}});
  ASSERT_TRUE(explicit_hash.ok()) << explicit_hash.status();
  EXPECT_EQ(RingHashName(explicit_hash->config), "fnv1");

  auto flag = Parse({"--peer-picker-hash", "fnv1a"});
  ASSERT_TRUE(flag.ok());
  EXPECT_EQ(RingHashName(flag->config), "fnv1a");

  auto bad = ParseWithEnv({}, {{"GUBER_PEER_PICKER_HASH", "crc32"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("GUBER_PEER_PICKER_HASH"), std::string::npos)
      << bad.status();
  auto bad_picker = Parse({"--peer-picker", "consistent-hash"});
  ASSERT_FALSE(bad_picker.ok());
}

}  // namespace
}  // namespace sluice::server
