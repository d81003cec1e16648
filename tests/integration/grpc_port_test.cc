// The gRPC port is the node's alone: a second node given the same explicit port fails to start
// with an error naming the address and the reason, instead of sharing the port (gRPC's
// SO_REUSEPORT default) and taking half of the first node's connections. Port 0 still works
// (the reservation hands its port over to gRPC: src/server/port_reservation.h).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "testing/run_command.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

using testing::SluiceProcess;

TEST(GrpcPortTest, ASecondNodeOnTheSameExplicitPortFailsToStart) {
  SluiceProcess first(SluiceProcess::Options{.grpc_port = testing::FreePort()});
  ASSERT_TRUE(first.ready()) << first.Output();

  const auto second = testing::RunCommand(
      {SLUICE_BINARY, "--addr", first.grpc_address(), "--http-addr",
       "127.0.0.1:" + std::to_string(testing::FreePort())},
      {}, /*timeout_ms=*/20'000);
  EXPECT_EQ(second.exit_code, 1) << "it started (-1: still running at the timeout)\n" << second.err;
  EXPECT_NE(second.err.find("cannot listen on gRPC address '" + first.grpc_address() +
                            "': Address already in use"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(first.Wait(0), -1) << "the first node is still running";
}

// The gRPC port a node started with --addr 127.0.0.1:0 logged in its ready line, or 0.
int LoggedGrpcPort(const SluiceProcess& node) {
  const std::string output = node.Output();
  const std::string marker = "gRPC on 127.0.0.1:";
  const size_t at = output.find(marker);
  return at == std::string::npos ? 0 : std::atoi(output.c_str() + at + marker.size());
}

// Two nodes asking for port 0 at once get a port each, and each serves on it.
TEST(GrpcPortTest, PortZeroNodesEachGetTheirOwnPort) {
  auto start = [] {
    const int http = testing::FreePort();
    // Readiness waits for the HTTP port only (the gRPC port is not known before the ready line).
    return std::make_unique<SluiceProcess>(SluiceProcess::Options{
        .extra_args = {"--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:" + std::to_string(http)},
        .grpc_port = http,
        .http_port = http,
        .address_flags = false});
  };
  auto a = start();
  auto b = start();
  ASSERT_TRUE(a->ready()) << a->Output();
  ASSERT_TRUE(b->ready()) << b->Output();
  const int port_a = LoggedGrpcPort(*a);
  const int port_b = LoggedGrpcPort(*b);
  ASSERT_GT(port_a, 0) << a->Output();
  ASSERT_GT(port_b, 0) << b->Output();
  EXPECT_NE(port_a, port_b);
  for (int port : {port_a, port_b}) {
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    EXPECT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                          std::chrono::seconds(10)))
        << "port " << port;
  }
}

}  // namespace
}  // namespace sluice
