// TLS and mTLS on both doors and on the links between cluster peers, with a throwaway PKI made
// by openssl at test time (testing/test_certs.h).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <string>

#include "gubernator.grpc.pb.h"
#include "testing/cluster_harness.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/test_certs.h"

namespace sluice {
namespace {

using testing::HttpCall;
using testing::HttpReply;
using testing::HttpTls;
using testing::SluiceProcess;
using testing::TestCerts;

// HealthCheck over a channel with `credentials`; the status tells whether the handshake worked.
grpc::Status HealthCheck(const std::string& address,
                         std::shared_ptr<grpc::ChannelCredentials> credentials) {
  auto stub = pb::gubernator::V1::NewStub(grpc::CreateChannel(address, credentials));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  pb::gubernator::HealthCheckReq req;
  pb::gubernator::HealthCheckResp resp;
  return stub->HealthCheck(&ctx, req, &resp);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(certs_.ok()) << "openssl failed in " << certs_.dir(); }

  std::shared_ptr<grpc::ChannelCredentials> Client(const std::string& leaf = "") const {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = certs_.Read("ca.pem");
    if (!leaf.empty()) {
      o.pem_cert_chain = certs_.Read(leaf + ".pem");
      o.pem_private_key = certs_.Read(leaf + ".key");
    }
    return grpc::SslCredentials(o);
  }
  HttpTls Https(const std::string& leaf = "") const {
    HttpTls t{.ca_file = certs_.Path("ca.pem")};
    if (!leaf.empty()) {
      t.cert_file = certs_.Path(leaf + ".pem");
      t.key_file = certs_.Path(leaf + ".key");
    }
    return t;
  }
  std::vector<std::string> ServerArgs() const {
    return {"--tls-cert", certs_.Path("server.pem"), "--tls-key", certs_.Path("server.key")};
  }
  static std::string HttpsUrl(const SluiceProcess& node, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(node.http_port()) + path;
  }

  TestCerts certs_;
};

TEST_F(TlsTest, TlsClientsSucceedAndPlaintextClientsFail) {
  SluiceProcess node({.extra_args = ServerArgs()});
  ASSERT_TRUE(node.ready()) << node.Output();

  EXPECT_TRUE(HealthCheck(node.grpc_address(), Client()).ok());
  EXPECT_FALSE(HealthCheck(node.grpc_address(), grpc::InsecureChannelCredentials()).ok());

  HttpTls https = Https();
  HttpReply secure =
      HttpCall("GET", HttpsUrl(node, "/v1/HealthCheck"), "", {}, 5000, &https);
  EXPECT_EQ(secure.status, 200) << secure.error;
  EXPECT_NE(secure.body.find("healthy"), std::string::npos) << secure.body;
  HttpReply plain = HttpCall("GET", node.http_url() + "/v1/HealthCheck", "", {}, 5000);
  EXPECT_NE(plain.status, 200) << "plaintext HTTP must not be served on a TLS port";

  // The node keeps serving after refusing plaintext.
  EXPECT_TRUE(HealthCheck(node.grpc_address(), Client()).ok());
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutACertificateFromTheTrustedCa) {
  auto args = ServerArgs();
  args.insert(args.end(), {"--tls-ca", certs_.Path("ca.pem"), "--tls-client-auth",
                           "require-and-verify"});
  SluiceProcess node({.extra_args = args});
  ASSERT_TRUE(node.ready()) << node.Output();

  EXPECT_TRUE(HealthCheck(node.grpc_address(), Client("client")).ok());
  EXPECT_FALSE(HealthCheck(node.grpc_address(), Client()).ok()) << "no client certificate";
  EXPECT_FALSE(HealthCheck(node.grpc_address(), Client("stranger")).ok()) << "another CA";

  for (const auto& [leaf, want_ok] :
       std::vector<std::pair<std::string, bool>>{{"client", true}, {"", false}, {"stranger", false}}) {
    HttpTls https = Https(leaf);
    HttpReply reply =
        HttpCall("GET", HttpsUrl(node, "/v1/LiveCheck"), "", {}, 5000, &https);
    EXPECT_EQ(reply.status == 200, want_ok) << "client cert '" << leaf << "': " << reply.error;
  }
}

TEST_F(TlsTest, BadTlsSettingsStopStartupNamingTheSetting) {
  SluiceProcess mismatched({.extra_args = {"--tls-cert", certs_.Path("server.pem"), "--tls-key",
                                           certs_.Path("client.key")}});
  EXPECT_FALSE(mismatched.ready());
  EXPECT_NE(mismatched.Output().find("--tls-key: the key does not match"), std::string::npos)
      << mismatched.Output();

  auto args = ServerArgs();
  args.insert(args.end(), {"--tls-client-auth", "require-and-verify"});
  SluiceProcess no_ca({.extra_args = args});
  EXPECT_FALSE(no_ca.ready());
  EXPECT_NE(no_ca.Output().find("no CA is given"), std::string::npos) << no_ca.Output();
}

TEST_F(TlsTest, ThreeNodeClusterForwardsOverMutualTls) {
  auto args = ServerArgs();
  args.insert(args.end(), {"--tls-ca", certs_.Path("ca.pem"), "--tls-client-auth",
                           "require-and-verify"});
  testing::ClusterHarness cluster(
      {.nodes = 3, .extra_args = args, .credentials = Client("client"), .http_tls = Https("client")});
  ASSERT_TRUE(cluster.started());
  ASSERT_TRUE(cluster.AwaitHealthy(3));

  const int owner = cluster.OwnerOf("tls", "shared");
  // Each forwarder's first call opens its mTLS channel to the owner, and gRPC gives a peer
  // connection attempt only 100 ms (the peer client's minimum reconnect backoff) before retrying
  // with backoff: on a loaded machine an ASan build's handshake takes longer, and that first
  // forward fails ("connection attempt timed out before receiving SETTINGS frame"). So wait until
  // a read (hits 0, counts nothing) through every node reaches the owner, then count.
  for (int node = 0; node < 3; ++node) {
    std::string error = "not asked";
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!error.empty() && absl::Now() < deadline) {
      pb::gubernator::GetRateLimitsReq req;
      testing::AddRequest(req, "tls", "shared", 0, 20);
      pb::gubernator::GetRateLimitsResp resp;
      grpc::Status status = cluster.GetRateLimits(node, req, &resp);
      error = !status.ok() ? status.error_message()
              : resp.responses_size() != 1 ? "no answer"
                                           : resp.responses(0).error();
      if (!error.empty()) absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(error, "") << "node " << node;
  }
  int under = 0;
  for (int i = 0; i < 30; ++i) {
    pb::gubernator::GetRateLimitsReq req;
    testing::AddRequest(req, "tls", "shared", 1, 20);
    pb::gubernator::GetRateLimitsResp resp;
    const int node = i % 3;
    ASSERT_TRUE(cluster.GetRateLimits(node, req, &resp).ok());
    ASSERT_EQ(resp.responses(0).error(), "") << "node " << node;
    if (resp.responses(0).status() == pb::gubernator::UNDER_LIMIT) ++under;
    if (node != owner) {
      EXPECT_EQ(resp.responses(0).metadata().at("owner"), cluster.node(owner).grpc_address());
    }
  }
  EXPECT_EQ(under, 20) << "one shared limit across the cluster";
  const int forwarder = (owner + 1) % 3;
  EXPECT_GT(cluster.Metric(forwarder, "sluice_peer_forwarded_items_total"), 0)
      << "items reached the owner through the TLS peer link";
}

TEST_F(TlsTest, StatusListenerServesHealthInPlaintextUnderMutualTls) {
  const int status_port = testing::FreePort();
  auto args = ServerArgs();
  args.insert(args.end(), {"--tls-ca", certs_.Path("ca.pem"), "--tls-client-auth",
                           "require-and-verify", "--status-http-addr",
                           "127.0.0.1:" + std::to_string(status_port)});
  SluiceProcess node({.extra_args = args});
  ASSERT_TRUE(node.ready()) << node.Output();
  const std::string status_url = "http://127.0.0.1:" + std::to_string(status_port);
  HttpReply health = HttpCall("GET", status_url + "/v1/HealthCheck", "", {}, 5000);
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_NE(health.body.find("healthy"), std::string::npos) << health.body;
  EXPECT_EQ(HttpCall("GET", status_url + "/v1/LiveCheck", "", {}, 5000).status, 200);
  EXPECT_EQ(HttpCall("POST", status_url + "/v1/GetRateLimits", "{}", {}, 5000).status, 404)
      << "the status listener serves health only";
  EXPECT_EQ(HttpCall("GET", status_url + "/metrics", "", {}, 5000).status, 404);
  HttpTls no_cert = Https();
  EXPECT_NE(HttpCall("GET", HttpsUrl(node, "/v1/HealthCheck"), "", {}, 5000, &no_cert).status,
            200)
      << "the main port still requires a client certificate";
}

TEST_F(TlsTest, RotatedCertificatesAreServedAfterSighupAndTheReloadInterval) {
  ASSERT_TRUE(certs_.AddLeaf("rotated"));
  const std::string cert = certs_.Path("live.pem"), key = certs_.Path("live.key");
  auto install = [&](const std::string& leaf) {
    // The key first would briefly mismatch the old certificate; write both, then rename.
    std::filesystem::copy_file(certs_.Path(leaf + ".pem"), cert + ".new",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(certs_.Path(leaf + ".key"), key + ".new",
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(key + ".new", key);
    std::filesystem::rename(cert + ".new", cert);
  };
  install("server");
  SluiceProcess node(
      {.extra_args = {"--tls-cert", cert, "--tls-key", key, "--tls-reload-interval", "1s"}});
  ASSERT_TRUE(node.ready()) << node.Output();
  EXPECT_EQ(certs_.ServedSubject(node.http_port()), "subject=CN = server");
  EXPECT_EQ(certs_.ServedSubject(node.grpc_port(), "h2"), "subject=CN = server");

  install("rotated");
  node.Signal(SIGHUP);
  std::string http_subject, grpc_subject;
  for (int i = 0; i < 100; ++i) {  // gRPC's watcher looks every second
    http_subject = certs_.ServedSubject(node.http_port());
    grpc_subject = certs_.ServedSubject(node.grpc_port(), "h2");
    if (http_subject == "subject=CN = rotated" && grpc_subject == "subject=CN = rotated") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(http_subject, "subject=CN = rotated") << node.Output();
  EXPECT_EQ(grpc_subject, "subject=CN = rotated");
  EXPECT_TRUE(HealthCheck(node.grpc_address(), Client()).ok());

  // A broken file is refused on SIGHUP: HTTP keeps the rotated certificate.
  { std::ofstream(cert) << "garbage\n"; }
  node.Signal(SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(certs_.ServedSubject(node.http_port()), "subject=CN = rotated");
  EXPECT_NE(node.Output().find("TLS reload failed"), std::string::npos) << node.Output();
}

}  // namespace
}  // namespace sluice
