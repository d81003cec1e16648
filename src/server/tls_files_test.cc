#include "server/tls_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_file.h"
#include "testing/test_certs.h"

namespace sluice::server {
namespace {

using ::testing::HasSubstr;

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(certs_.ok()) << "openssl failed in " << certs_.dir(); }
  Config WithServerCert() const {
    Config c;
    c.tls.cert_file = certs_.Path("server.pem");
    c.tls.key_file = certs_.Path("server.key");
    return c;
  }
  sluice::testing::TestCerts certs_;
};

TEST_F(TlsFilesTest, OffWithoutACertificate) {
  auto m = LoadTlsMaterial(Config{});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
}

TEST_F(TlsFilesTest, ServerCertificateIsThePeerCertificateByDefault) {
  Config c = WithServerCert();
  c.tls.ca_file = certs_.Path("ca.pem");
  c.tls.client_auth = "require-and-verify";
  auto m = LoadTlsMaterial(c);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->has_value());
  const TlsMaterial& t = **m;
  EXPECT_EQ(t.server.cert_chain_pem, certs_.Read("server.pem"));
  EXPECT_EQ(t.server.client_auth, net::ClientAuth::kRequireAndVerify);
  EXPECT_EQ(t.server.client_ca_pem, certs_.Read("ca.pem"));  // falls back to --tls-ca
  EXPECT_EQ(t.peers.cert_chain_pem, certs_.Read("server.pem"));
  EXPECT_EQ(t.peers.private_key_pem, certs_.Read("server.key"));
  EXPECT_EQ(t.peers.ca_pem, certs_.Read("ca.pem"));
}

TEST_F(TlsFilesTest, SeparateClientCaAndPeerCertificate) {
  Config c = WithServerCert();
  c.tls.client_ca_file = certs_.Path("other_ca.pem");
  c.tls.peer_cert_file = certs_.Path("client.pem");
  c.tls.peer_key_file = certs_.Path("client.key");
  c.tls.peer_server_name = "localhost";
  auto m = LoadTlsMaterial(c);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->server.client_ca_pem, certs_.Read("other_ca.pem"));
  EXPECT_EQ((*m)->peers.cert_chain_pem, certs_.Read("client.pem"));
  EXPECT_EQ((*m)->peers.server_name, "localhost");
}

TEST_F(TlsFilesTest, KeyNotMatchingItsCertificateNamesTheSetting) {
  Config c = WithServerCert();
  c.tls.key_file = certs_.Path("client.key");
  auto m = LoadTlsMaterial(c);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("--tls-key: the key does not match"));
}

TEST_F(TlsFilesTest, MissingOrNonPemFilesNameTheSettingAndPath) {
  Config c = WithServerCert();
  c.tls.ca_file = certs_.Path("nope.pem");
  auto missing = LoadTlsMaterial(c);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("--tls-ca: cannot read"));
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.pem"));

  sluice::testing::TempFile junk("junk.pem", "not a certificate\n");
  c.tls.ca_file = junk.path();
  auto garbage = LoadTlsMaterial(c);
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.status().message(), HasSubstr("--tls-ca: '"));
  EXPECT_THAT(garbage.status().message(), HasSubstr("holds no PEM certificate"));
}

TEST(TlsClientAuthTest, GubernatorNamesParseAndOthersListTheAllowedOnes) {
  EXPECT_EQ(*net::ParseClientAuth("require-and-verify"), net::ClientAuth::kRequireAndVerify);
  EXPECT_EQ(*net::ParseClientAuth("request-cert"), net::ClientAuth::kRequest);
  EXPECT_EQ(net::ClientAuthName(net::ClientAuth::kVerifyIfGiven), "verify-cert");
  auto bad = net::ParseClientAuth("always");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("require-and-verify"));
}

}  // namespace
}  // namespace sluice::server
