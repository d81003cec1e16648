// The standard gRPC services an operator's tools expect, on the real binary: grpc.health.v1
// (Kubernetes gRPC probes, grpcurl) with Check and Watch following the node's health, and server
// reflection listing and describing every service (what `grpcurl list` and `describe` do).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gubernator.grpc.pb.h"
#include "testing/ring_keys.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using grpc::reflection::v1alpha::ServerReflection;
using grpc::reflection::v1alpha::ServerReflectionRequest;
using grpc::reflection::v1alpha::ServerReflectionResponse;
using testing::SluiceProcess;

std::shared_ptr<grpc::Channel> ChannelTo(const SluiceProcess& node) {
  return grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext& context, int seconds = 10) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

// Check(service): the status, or the gRPC error code as a negative number.
int Check(Health::Stub& stub, const std::string& service) {
  grpc::ClientContext context;
  SetDeadline(context);
  HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  grpc::Status status = stub.Check(&context, request, &response);
  return status.ok() ? response.status() : -status.error_code();
}

// One reflection exchange on a fresh stream.
ServerReflectionResponse Reflect(ServerReflection::Stub& stub,
                                 const ServerReflectionRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = stub.ServerReflectionInfo(&context);
  ServerReflectionResponse response;
  EXPECT_TRUE(stream->Write(request));
  stream->WritesDone();
  EXPECT_TRUE(stream->Read(&response));
  ServerReflectionResponse extra;
  while (stream->Read(&extra)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

TEST(GrpcHealthTest, CheckAnswersServingForTheNodeAndEachService) {
  SluiceProcess node;
  ASSERT_TRUE(node.ready()) << node.Output();
  auto stub = Health::NewStub(ChannelTo(node));
  EXPECT_EQ(Check(*stub, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(*stub, "pb.gubernator.V1"), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(*stub, "envoy.service.ratelimit.v3.RateLimitService"),
            HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(*stub, "no.such.Service"), -grpc::StatusCode::NOT_FOUND);
}

TEST(GrpcHealthTest, WatchSeesNotServingOnceTheNodeStartsShuttingDown) {
  SluiceProcess::Options options;
  options.extra_args = {"--shutdown-delay", "3"};
  SluiceProcess node(options);
  ASSERT_TRUE(node.ready()) << node.Output();
  auto stub = Health::NewStub(ChannelTo(node));
  grpc::ClientContext context;
  SetDeadline(context, 20);
  auto watch = stub->Watch(&context, HealthCheckRequest());
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);
  node.Signal(SIGTERM);  // still serving for 3 s, but no longer ready
  ASSERT_TRUE(watch->Read(&update)) << node.Output();
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  // Within the shutdown delay, Check says the same to a new caller.
  EXPECT_EQ(Check(*stub, ""), HealthCheckResponse::NOT_SERVING);
  context.TryCancel();
  EXPECT_EQ(node.Wait(20'000), 0) << node.Output();
}

TEST(GrpcHealthTest, ClusterNodeIsNotServingWhileAPeerFails) {
  // A static peer that accepts connections and never answers (a socket held here, so no other
  // process can take the port): the first forwarded call times out, and the node reports
  // unhealthy for --peer-error-window, on V1.HealthCheck and on grpc.health.v1 alike.
  const int silent = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(silent, 16), 0);
  ASSERT_EQ(getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int dead_port = ntohs(addr.sin_port);
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{silent};
  SluiceProcess::Options options;
  options.grpc_port = testing::FreePort();
  const std::string self = "127.0.0.1:" + std::to_string(options.grpc_port);
  const std::string silent_peer = "127.0.0.1:" + std::to_string(dead_port);
  options.extra_args = {"--advertise-addr", self, "--peers", self + "," + silent_peer,
                        "--peer-error-window", "1m", "--batch-timeout", "200ms"};
  SluiceProcess node(options);
  ASSERT_TRUE(node.ready()) << node.Output();
  // A key the silent peer owns (the node's own ring, computed here): its forward fails.
  const std::string key = testing::KeyOwnedBy({self, silent_peer}, silent_peer, "probe");
  ASSERT_FALSE(key.empty());
  auto v1 = pb::gubernator::V1::NewStub(ChannelTo(node));
  {
    grpc::ClientContext call;
    SetDeadline(call);
    pb::gubernator::GetRateLimitsReq request;
    auto* item = request.add_requests();
    item->set_name("probe");
    item->set_unique_key(key);
    item->set_hits(1);
    item->set_limit(10);
    item->set_duration(60'000);
    pb::gubernator::GetRateLimitsResp response;
    ASSERT_TRUE(v1->GetRateLimits(&call, request, &response).ok());
    ASSERT_EQ(response.responses_size(), 1);
    ASSERT_NE(response.responses(0).error(), "") << "the silent peer answered the forward";
  }
  {
    grpc::ClientContext call;
    SetDeadline(call);
    pb::gubernator::HealthCheckResp v1_health;
    grpc::Status status = v1->HealthCheck(&call, pb::gubernator::HealthCheckReq(), &v1_health);
    EXPECT_TRUE(!status.ok() || v1_health.status() == "unhealthy") << v1_health.DebugString();
  }
  // Watch ends on NOT_SERVING within the publisher's period (1 s).
  auto health = Health::NewStub(ChannelTo(node));
  grpc::ClientContext context;
  SetDeadline(context, 20);
  auto watch = health->Watch(&context, HealthCheckRequest());
  HealthCheckResponse update;
  while (watch->Read(&update) && update.status() != HealthCheckResponse::NOT_SERVING) {
  }
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING) << node.Output();
  EXPECT_EQ(Check(*health, "pb.gubernator.PeersV1"), HealthCheckResponse::NOT_SERVING);
  context.TryCancel();
}

TEST(GrpcReflectionTest, ListsAndDescribesEveryService) {
  SluiceProcess node;
  ASSERT_TRUE(node.ready()) << node.Output();
  auto stub = ServerReflection::NewStub(ChannelTo(node));

  ServerReflectionRequest list;
  list.set_list_services("");
  ServerReflectionResponse listed = Reflect(*stub, list);
  ASSERT_TRUE(listed.has_list_services_response()) << listed.DebugString();
  std::vector<std::string> names;
  for (const auto& service : listed.list_services_response().service()) {
    names.push_back(service.name());
  }
  for (const char* expected :
       {"pb.gubernator.V1", "envoy.service.ratelimit.v3.RateLimitService", "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end())
        << expected << " not listed";
  }

  // `grpcurl describe`: the file defining a service, with its methods.
  for (const std::string symbol : {"pb.gubernator.V1", "grpc.health.v1.Health"}) {
    ServerReflectionRequest describe;
    describe.set_file_containing_symbol(symbol);
    ServerReflectionResponse described = Reflect(*stub, describe);
    ASSERT_TRUE(described.has_file_descriptor_response()) << described.DebugString();
    bool found = false;
    for (const std::string& bytes : described.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      for (const auto& service : file.service()) {
        if (file.package() + "." + service.name() == symbol) {
          found = service.method_size() >= 2;
        }
      }
    }
    EXPECT_TRUE(found) << symbol;
  }
}

}  // namespace
}  // namespace sluice
