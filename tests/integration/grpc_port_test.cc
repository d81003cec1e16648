// The gRPC port is the node's alone: a second node given the same explicit port fails to start
// with an error naming the address and the reason, instead of sharing the port (gRPC's
// SO_REUSEPORT default) and taking half of the first node's connections. Port 0 still works
// (the reservation hands its port over to gRPC: src/server/port_reservation.h). A listener lost
// to descriptor exhaustion is counted and logged.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testing/http_client.h"
#include "testing/raw_http_connection.h"
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
  const std::string marker = "gRPC on 127.0.0.1:";
  if (!node.AwaitOutput(marker)) return 0;
  const std::string output = node.Output();
  return std::atoi(output.c_str() + output.find(marker) + marker.size());
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


// Open descriptors of process `pid`.
int OpenDescriptors(pid_t pid) {
  int n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

// Out of descriptors, gRPC 1.51's listener stops accepting for good (grpc_log.h). The node
// counts it in sluice_accept_failures_total{listener="grpc"} and logs a line that says to
// restart it.
TEST(GrpcPortTest, AListenerLostToDescriptorExhaustionIsCountedAndLogged) {
#if defined(__SANITIZE_ADDRESS__)
  // The node binary of a sanitizer build aborts while its descriptors are exhausted: UBSan's vptr
  // check needs a pipe() of its own (src/net/http_server_accept_test.cc proves it), and here the
  // instrumented binary is the node itself. Run by `ctest --preset release -R GrpcPortTest`.
  GTEST_SKIP() << "descriptor exhaustion of a sanitizer-built node; see the comment";
#endif
  SluiceProcess node;
  ASSERT_TRUE(node.ready()) << node.Output();
  rlimit original{};
  ASSERT_EQ(prlimit(node.pid(), RLIMIT_NOFILE, nullptr, &original), 0);
  const rlim_t tight = static_cast<rlim_t>(OpenDescriptors(node.pid()) + 8);
  const rlimit low{.rlim_cur = tight, .rlim_max = original.rlim_max};
  ASSERT_EQ(prlimit(node.pid(), RLIMIT_NOFILE, &low, nullptr), 0);

  std::vector<std::unique_ptr<testing::RawConnection>> hogs;  // more than the node can accept
  for (int i = 0; i < 32; ++i) {
    hogs.push_back(std::make_unique<testing::RawConnection>());
    ASSERT_TRUE(hogs.back()->Connect(node.grpc_port()));
  }
  const std::string line = "accepts no connection on this port any more: restart this node";
  for (int i = 0; i < 500 && node.Output().find(line) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  hogs.clear();
  ASSERT_EQ(prlimit(node.pid(), RLIMIT_NOFILE, &original, nullptr), 0);

  EXPECT_NE(node.Output().find("grpc: Failed accept4: Too many open files"), std::string::npos)
      << node.Output();
  EXPECT_NE(node.Output().find(line), std::string::npos) << node.Output();
  // The HTTP listener recovers (it retries); /metrics shows the count.
  double failures = -1;
  testing::HttpReply metrics;
  for (int i = 0; i < 100 && failures < 1; ++i) {
    metrics = testing::HttpGet(node.http_url() + "/metrics");
    const std::string series = "sluice_accept_failures_total{listener=\"grpc\"} ";
    if (const size_t at = metrics.body.find(series); at != std::string::npos) {
      failures = std::atof(metrics.body.c_str() + at + series.size());
    }
    if (failures < 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(failures, 1) << metrics.status << " " << metrics.error << "\n" << node.Output();
}

}  // namespace
}  // namespace sluice
