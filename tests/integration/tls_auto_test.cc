// GUBER_TLS_AUTO / --tls-auto on the real binary: the node makes a self-signed certificate at
// start and serves TLS on both ports; a client that skips verification connects (gRPC and
// HTTPS), a verifying one and a plaintext one do not. --instance-id names the node in its logs.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <gtest/gtest.h>

#include <string>

#include "gubernator.grpc.pb.h"
#include "testing/run_command.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

using testing::RunCommand;
using testing::SluiceProcess;

// gRPC over TLS without checking the server's certificate (Go's InsecureSkipVerify).
std::shared_ptr<grpc::ChannelCredentials> SkipVerifyCredentials() {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  return grpc::experimental::TlsCredentials(options);
}

grpc::Status HealthCheck(const std::string& address,
                         std::shared_ptr<grpc::ChannelCredentials> credentials,
                         pb::gubernator::HealthCheckResp* health) {
  auto stub = pb::gubernator::V1::NewStub(grpc::CreateChannel(address, credentials));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return stub->HealthCheck(&context, pb::gubernator::HealthCheckReq(), health);
}

TEST(TlsAutoTest, SelfSignedCertificateServesClientsThatSkipVerification) {
  SluiceProcess::Options options;
  options.env = {"GUBER_TLS_AUTO=true", "GUBER_INSTANCE_ID=edge-7"};
  SluiceProcess node(options);
  ASSERT_TRUE(node.ready()) << node.Output();

  pb::gubernator::HealthCheckResp health;
  grpc::Status status = HealthCheck(node.grpc_address(), SkipVerifyCredentials(), &health);
  ASSERT_TRUE(status.ok()) << status.error_message() << node.Output();
  EXPECT_EQ(health.status(), "healthy");
  // A verifying client (system roots) and a plaintext one are refused.
  EXPECT_FALSE(HealthCheck(node.grpc_address(),
                           grpc::SslCredentials(grpc::SslCredentialsOptions()), &health)
                   .ok());
  EXPECT_FALSE(
      HealthCheck(node.grpc_address(), grpc::InsecureChannelCredentials(), &health).ok());

  // HTTPS the same way: curl -k connects, curl without it does not.
  const std::string url =
      "https://127.0.0.1:" + std::to_string(node.http_port()) + "/v1/HealthCheck";
  auto insecure = RunCommand({"curl", "-sSk", "--max-time", "5", url});
  EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
  EXPECT_NE(insecure.out.find("healthy"), std::string::npos) << insecure.out;
  auto verifying = RunCommand({"curl", "-sS", "--max-time", "5", url});
  EXPECT_NE(verifying.exit_code, 0) << verifying.out;

  // The certificate is the generated one, for the loopback address dialled.
  auto subject = RunCommand({"sh", "-c",
                             "openssl s_client -connect 127.0.0.1:" +
                                 std::to_string(node.http_port()) +
                                 " </dev/null 2>/dev/null | openssl x509 -noout -subject -ext "
                                 "subjectAltName"});
  EXPECT_NE(subject.out.find("Sluice (self-signed)"), std::string::npos) << subject.out;
  EXPECT_NE(subject.out.find("IP Address:127.0.0.1"), std::string::npos) << subject.out;

  EXPECT_TRUE(node.AwaitOutput("[edge-7] sluice 0.1.0 ready as edge-7")) << node.Output();
  EXPECT_NE(node.Output().find("TLS on (self-signed certificate"), std::string::npos);
}

TEST(TlsAutoTest, ClusterModeRefusesTlsAuto) {
  auto run = RunCommand({SLUICE_BINARY, "--tls-auto", "--peers", "127.0.0.1:1,127.0.0.1:2"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--tls-auto (flag --tls-auto): a cluster's peers cannot verify"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace sluice
