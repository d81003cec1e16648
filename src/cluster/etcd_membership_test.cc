#include "cluster/etcd_membership.h"

#include "absl/synchronization/mutex.h"
#include "testing/etcd_test_server.h"
#include "testing/exposition.h"
#include "testing/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::cluster {
namespace {

using ::testing::ElementsAre;

// Remembers the last list a membership reported; Await waits until a predicate holds.
class Reports {
 public:
  PeersChangedCallback Callback() {
    return [this](std::vector<PeerInfo> peers) {
      absl::MutexLock lock(&mu_);
      last_ = std::move(peers);
    };
  }
  std::vector<std::string> Addresses() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (const auto& p : last_) out.push_back(p.grpc_address + (p.is_self ? "*" : ""));
    return out;
  }
  bool Await(const std::vector<std::string>& want, absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Addresses() == want) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

 private:
  absl::Mutex mu_;
  std::vector<PeerInfo> last_;
};

// One membership's counters, read as /metrics exports them.
struct Counted {
  double Get(const std::string& series) const {
    return obs::ParseExposition(registry.Render()).Get(series);
  }
  double Polls() const { return Get(R"(sluice_discovery_polls_total{result="ok"})") + FailedPolls(); }
  double FailedPolls() const { return Get(R"(sluice_discovery_polls_total{result="failed"})"); }

  obs::Registry registry;
  MembershipMetrics metrics{registry};
};

TEST(EtcdMembershipCodecTest, PeerInfoIsGubernatorsJson) {
  PeerInfo peer{
      .grpc_address = "10.0.0.1:1051", .http_address = "10.0.0.1:1050", .data_center = "dc1"};
  const std::string json = EtcdMembership::EncodePeer(peer);
  EXPECT_EQ(
      json,
      R"({"grpc-address":"10.0.0.1:1051","http-address":"10.0.0.1:1050","data-center":"dc1"})");
  EXPECT_EQ(EtcdMembership::DecodePeer(json), peer);
  EXPECT_EQ(EtcdMembership::DecodePeer("10.0.0.2:1051"), PeerInfo{.grpc_address = "10.0.0.2:1051"});
}

TEST(EtcdMembershipOptionsTest, BadOptionsAreRejected) {
  EtcdMembership m({.endpoints = {"127.0.0.1:1"}, .self = {.grpc_address = "nope"}});
  EXPECT_EQ(m.Start([](std::vector<PeerInfo>) {}).code(), absl::StatusCode::kInvalidArgument);
}

class EtcdMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (EtcdTestServer::Binary().empty()) GTEST_SKIP() << "etcd is not installed";
    etcd_ = std::make_unique<EtcdTestServer>();
    ASSERT_TRUE(etcd_->ready());
  }

  EtcdMembershipOptions Options(const std::string& address) {
    return EtcdMembershipOptions{.endpoints = {etcd_->endpoint()},
                                 .key_prefix = "/test-peers/",
                                 .self = {.grpc_address = address},
                                 .lease_ttl = absl::Seconds(3),
                                 .poll_interval = absl::Milliseconds(50),
                                 .timeout = absl::Seconds(2)};
  }

  std::unique_ptr<EtcdTestServer> etcd_;
};

TEST_F(EtcdMembershipTest, NodesJoinAndLeave) {
  Reports a_sees, b_sees;
  Counted counted;
  EtcdMembership a(Options("127.0.0.1:1001"), &counted.metrics);
  ASSERT_TRUE(a.Start(a_sees.Callback()).ok());
  EXPECT_TRUE(a_sees.Await({"127.0.0.1:1001*"}));
  {
    EtcdMembership b(Options("127.0.0.1:1002"));
    ASSERT_TRUE(b.Start(b_sees.Callback()).ok());
    EXPECT_TRUE(b_sees.Await({"127.0.0.1:1001", "127.0.0.1:1002*"}));
    EXPECT_TRUE(a_sees.Await({"127.0.0.1:1001*", "127.0.0.1:1002"}));
  }  // b stops: deletes its key and revokes its lease
  EXPECT_TRUE(a_sees.Await({"127.0.0.1:1001*"}, absl::Seconds(2)));
  EXPECT_GE(counted.Polls(), 2);
}

TEST_F(EtcdMembershipTest, KeepAliveHoldsTheLeaseAndALostLeaseIsRegisteredAgain) {
  Reports sees;
  Counted counted;
  EtcdMembership a(Options("127.0.0.1:1001"), &counted.metrics);
  ASSERT_TRUE(a.Start(sees.Callback()).ok());
  // Past the 3 s TTL: only the keep-alives keep the key.
  absl::SleepFor(absl::Seconds(4));
  EXPECT_THAT(sees.Addresses(), ElementsAre("127.0.0.1:1001*"));
  EXPECT_GE(counted.Get("sluice_etcd_keepalives_total"), 2);

  // Revoke the lease behind its back: the key goes, and comes back.
  EtcdClient client({etcd_->endpoint()}, absl::Seconds(2));
  auto kvs = client.RangePrefix("/test-peers/");
  ASSERT_TRUE(kvs.ok());
  ASSERT_EQ(kvs->size(), 1u);
  ASSERT_TRUE(client.RevokeLease((*kvs)[0].lease).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (counted.Get("sluice_etcd_registrations_total") < 2 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(counted.Get("sluice_etcd_registrations_total"), 2);
  kvs = client.RangePrefix("/test-peers/");
  ASSERT_TRUE(kvs.ok());
  ASSERT_EQ(kvs->size(), 1u);
  EXPECT_EQ((*kvs)[0].key, "/test-peers/127.0.0.1:1001");
  EXPECT_TRUE(sees.Await({"127.0.0.1:1001*"}));
}

TEST_F(EtcdMembershipTest, BareAddressValuesAreAccepted) {
  EtcdClient client({etcd_->endpoint()}, absl::Seconds(2));
  ASSERT_TRUE(client.Put("/test-peers/legacy", "127.0.0.1:1009", 0).ok());
  Reports sees;
  EtcdMembership a(Options("127.0.0.1:1001"));
  ASSERT_TRUE(a.Start(sees.Callback()).ok());
  EXPECT_TRUE(sees.Await({"127.0.0.1:1001*", "127.0.0.1:1009"}));
}

TEST(EtcdMembershipUnreachableTest, StartSucceedsAndKeepsRetrying) {
  Reports sees;
  Counted counted;
  EtcdMembership a({.endpoints = {"127.0.0.1:1"},
                    .self = {.grpc_address = "127.0.0.1:1001"},
                    .poll_interval = absl::Milliseconds(20),
                    .timeout = absl::Milliseconds(200)},
                   &counted.metrics);
  ASSERT_TRUE(a.Start(sees.Callback()).ok());
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_TRUE(sees.Addresses().empty());
  EXPECT_GE(counted.FailedPolls(), 1);
}

// A real etcd serving https with certificates made here; `client_cert_auth`: it wants client
// certificates too.
class EtcdTlsTest : public ::testing::Test {
 protected:
  void StartEtcd(bool client_cert_auth) {
    if (EtcdTestServer::Binary().empty()) GTEST_SKIP() << "etcd is not installed";
    ASSERT_TRUE(certs_.ok());
    etcd_ = std::make_unique<EtcdTestServer>(
        EtcdTestServer::Tls{.cert_file = certs_.Path("server.pem"),
                            .key_file = certs_.Path("server.key"),
                            .ca_file = certs_.Path("ca.pem"),
                            .client_cert_auth = client_cert_auth});
    ASSERT_TRUE(etcd_->ready());
  }

  testing::TestCerts certs_;
  std::unique_ptr<EtcdTestServer> etcd_;
};

// etcd with TLS and auth, as GUBER_ETCD_TLS_CA and GUBER_ETCD_USER/PASSWORD configure it.
class EtcdSecureTest : public EtcdTlsTest {
 protected:
  void SetUp() override {
    StartEtcd(false);
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(etcd_->EnableAuth("sluice", "s3cret", "/secure-peers/"));
  }

  EtcdClientOptions Client(const std::string& password = "s3cret") const {
    EtcdClientOptions options = etcd_->ClientOptions();
    options.user = "sluice";
    options.password = password;
    return options;
  }
};

TEST_F(EtcdSecureTest, MembershipRegistersOverTlsWithUserAndPassword) {
  const EtcdClientOptions client = Client();
  Reports a_sees, b_sees;
  auto options = [&](const std::string& address) {
    return EtcdMembershipOptions{.endpoints = client.endpoints,
                                 .key_prefix = "/secure-peers/",
                                 .self = {.grpc_address = address},
                                 .lease_ttl = absl::Seconds(3),
                                 .poll_interval = absl::Milliseconds(50),
                                 .timeout = absl::Seconds(2),
                                 .tls = client.tls,
                                 .user = client.user,
                                 .password = client.password};
  };
  Counted counted;
  EtcdMembership a(options("127.0.0.1:1001"), &counted.metrics);
  EtcdMembership b(options("127.0.0.1:1002"));
  ASSERT_TRUE(a.Start(a_sees.Callback()).ok());
  ASSERT_TRUE(b.Start(b_sees.Callback()).ok());
  EXPECT_TRUE(a_sees.Await({"127.0.0.1:1001*", "127.0.0.1:1002"}));
  EXPECT_TRUE(b_sees.Await({"127.0.0.1:1001", "127.0.0.1:1002*"}));
  EXPECT_EQ(counted.FailedPolls(), 0);
}

TEST_F(EtcdSecureTest, TheUsersPermissionsApply) {
  EtcdClient client(Client());
  EXPECT_TRUE(client.Put("/secure-peers/x", "1", 0).ok());
  const absl::Status outside = client.Put("/elsewhere", "1", 0);
  EXPECT_EQ(outside.code(), absl::StatusCode::kPermissionDenied) << outside;
  EXPECT_THAT(std::string(outside.message()), ::testing::HasSubstr("--etcd-user"));
}

TEST_F(EtcdSecureTest, AWrongPasswordIsAClearError) {
  EtcdClient client(Client("wrong"));
  const auto listed = client.RangePrefix("/secure-peers/");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kUnauthenticated) << listed.status();
  EXPECT_THAT(std::string(listed.status().message()),
              ::testing::HasSubstr("authenticating as --etcd-user 'sluice' failed (check "
                                   "--etcd-user and --etcd-password)"));
}

TEST_F(EtcdSecureTest, NoUserWhileEtcdWantsOneIsAClearError) {
  EtcdClientOptions options = Client();
  options.user.clear();
  options.password.clear();
  EtcdClient client(options);
  const auto listed = client.RangePrefix("/secure-peers/");
  ASSERT_FALSE(listed.ok());
  EXPECT_THAT(std::string(listed.status().message()),
              ::testing::HasSubstr("set --etcd-user and --etcd-password"));
}

TEST_F(EtcdSecureTest, ACaThatDoesNotSignEtcdsCertificateIsAClearError) {
  EtcdClientOptions options = Client();
  options.tls.ca_file = certs_.Path("other_ca.pem");
  EtcdClient client(options);
  const auto listed = client.RangePrefix("/secure-peers/");
  ASSERT_FALSE(listed.ok());
  EXPECT_THAT(std::string(listed.status().message()),
              ::testing::HasSubstr("etcd's certificate is not trusted by --etcd-tls-ca " +
                                   certs_.Path("other_ca.pem")));
  // Skipping verification gets through.
  options.tls.skip_verify = true;
  EXPECT_TRUE(EtcdClient(options).RangePrefix("/secure-peers/").ok());
}

TEST_F(EtcdSecureTest, AnExpiredTokenIsRenewed) {
  EtcdClient client(Client());
  ASSERT_TRUE(client.Put("/secure-peers/x", "1", 0).ok());
  // The test etcd drops a token unused for 1 s (--auth-token-ttl=1); the next call is refused
  // with "invalid auth token", authenticates again and succeeds.
  absl::SleepFor(absl::Milliseconds(2500));
  const auto listed = client.RangePrefix("/secure-peers/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), 1u);
}

// etcd that wants client certificates (--client-cert-auth; GUBER_ETCD_TLS_CERT/KEY).
class EtcdMutualTlsTest : public EtcdTlsTest {
 protected:
  void SetUp() override { StartEtcd(true); }
};

TEST_F(EtcdMutualTlsTest, MembershipRegistersWithAClientCertificate) {
  const EtcdClientOptions client = etcd_->ClientOptions();
  ASSERT_FALSE(client.tls.cert_file.empty());
  Reports sees;
  EtcdMembership a({.endpoints = client.endpoints,
                    .key_prefix = "/mtls-peers/",
                    .self = {.grpc_address = "127.0.0.1:1001"},
                    .poll_interval = absl::Milliseconds(50),
                    .timeout = absl::Seconds(2),
                    .tls = client.tls});
  ASSERT_TRUE(a.Start(sees.Callback()).ok());
  EXPECT_TRUE(sees.Await({"127.0.0.1:1001*"}));
}

TEST_F(EtcdMutualTlsTest, NoClientCertificateIsAClearError) {
  EtcdClientOptions options = etcd_->ClientOptions();
  options.tls.cert_file.clear();
  options.tls.key_file.clear();
  const auto listed = EtcdClient(options).RangePrefix("/mtls-peers/");
  ASSERT_FALSE(listed.ok());
  EXPECT_THAT(std::string(listed.status().message()),
              ::testing::HasSubstr("etcd refused this node's client certificate (or its "
                                   "absence); give --etcd-tls-cert/--etcd-tls-key"));
}

TEST_F(EtcdMutualTlsTest, ACertificateWithACommonNameAndAuthIsAClearError) {
  // etcd 3.4's gateway refuses this pair; the node says what to change.
  ASSERT_TRUE(etcd_->EnableAuth("sluice", "s3cret", "/mtls-peers/"));
  EtcdClientOptions options = etcd_->ClientOptions();
  options.user = "sluice";
  options.password = "s3cret";
  const auto listed = EtcdClient(options).RangePrefix("/mtls-peers/");
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(listed.status().message()),
              ::testing::HasSubstr("give a --etcd-tls-cert without a CN, or none"));
}

TEST(EtcdMembershipOptionsTest, HalfATlsPairOrHalfACredentialIsRejected) {
  EtcdMembership cert_only({.endpoints = {"127.0.0.1:1"},
                            .self = {.grpc_address = "127.0.0.1:1001"},
                            .tls = {.enabled = true, .cert_file = "/etc/hostname"}});
  const absl::Status tls = cert_only.Start([](std::vector<PeerInfo>) {});
  EXPECT_THAT(std::string(tls.message()), ::testing::HasSubstr("--etcd-tls-cert and --etcd-tls-key"));
  EtcdMembership user_only({.endpoints = {"127.0.0.1:1"},
                            .self = {.grpc_address = "127.0.0.1:1001"},
                            .user = "u"});
  const absl::Status auth = user_only.Start([](std::vector<PeerInfo>) {});
  EXPECT_THAT(std::string(auth.message()),
              ::testing::HasSubstr("--etcd-user and --etcd-password"));
  EtcdMembership missing_ca({.endpoints = {"127.0.0.1:1"},
                             .self = {.grpc_address = "127.0.0.1:1001"},
                             .tls = {.enabled = true, .ca_file = "/nonexistent/ca.pem"}});
  const absl::Status ca = missing_ca.Start([](std::vector<PeerInfo>) {});
  EXPECT_THAT(std::string(ca.message()),
              ::testing::HasSubstr("--etcd-tls-ca: cannot read /nonexistent/ca.pem"));
}

}  // namespace
}  // namespace sluice::cluster
