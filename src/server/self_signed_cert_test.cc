#include "server/self_signed_cert.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "gtest/gtest.h"

namespace sluice::server {
namespace {

TEST(SelfSignedCertTest, MakesAMatchingPairNamingEveryHost) {
  auto made = MakeSelfSignedCertificate({"localhost", "127.0.0.1", "::1", "node-1.example"},
                                        absl::Hours(24));
  ASSERT_TRUE(made.ok()) << made.status();
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(made->certificate_pem.data(), static_cast<int>(made->certificate_pem.size())),
      &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  ASSERT_NE(cert, nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(made->private_key_pem.data(), static_cast<int>(made->private_key_pem.size())),
      &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "node-1.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "other.example", 0, 0, nullptr), 1);
  // Self-signed: its own key verifies it; valid now.
  EXPECT_EQ(X509_verify(cert.get(), key.get()), 1);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(cert.get())), 0);

  auto again = MakeSelfSignedCertificate({"localhost"}, absl::Hours(24));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->private_key_pem, made->private_key_pem);  // a new key every time
}

}  // namespace
}  // namespace sluice::server
