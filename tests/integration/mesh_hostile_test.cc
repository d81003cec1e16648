// Issue 18 #3 on real processes (127.0.0.1): the mesh is no amplifier, corrupted datagrams never
// become packets, libprotobuf's complaints about malformed input are throttled, and an unsigned
// mesh refuses a non-loopback bind.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "integration/mesh_harness.h"
#include "mesh/codec.h"
#include "mesh/gossip_engine.h"
#include "testing/exposition.h"

namespace sluice {
namespace {

using testing::Eventually;
using testing::MeshCluster;

// A UDP socket on 127.0.0.1 that stands for a forged source or a victim.
class UdpEndpoint {
 public:
  UdpEndpoint() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t length = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    timeval timeout{.tv_sec = 0, .tv_usec = 100'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~UdpEndpoint() { close(fd_); }
  UdpEndpoint(const UdpEndpoint&) = delete;
  UdpEndpoint& operator=(const UdpEndpoint&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void SendTo(int port, const std::string& bytes) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(static_cast<uint16_t>(port));
    sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  }
  // Bytes received until the socket has been quiet for 100 ms (at most `max_ms`).
  size_t Drain(int max_ms = 3000) {
    size_t total = 0;
    char buffer[65536];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n < 0) break;
      total += static_cast<size_t>(n);
    }
    return total;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A join as a new node would send it: a Syn with an empty digest, claiming `mesh_address`.
std::string ForgedJoin(const std::string& node_id, const std::string& mesh_address) {
  mesh::wire::Packet p;
  p.mutable_sender()->set_node_id(node_id);
  p.mutable_sender()->set_incarnation(1);
  p.mutable_sender()->set_mesh_address(mesh_address);
  p.set_token(42);
  p.mutable_syn();
  return mesh::Codec("sluice", "").Encode(p);
}

// Issue 18 #3: a forged 60-byte join got ~38.7 KB sent to its source (645x). Now a node with
// thousands of windows answers with one small Challenge, to the claimed address only.
TEST(MeshHostileTest, AForgedJoinIsNotAmplified) {
  MeshCluster mesh(2);
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(2));
  std::string batch = "{\"requests\":[";
  for (int i = 0; i < 1000; ++i) {
    batch += std::string(i ? "," : "") + "{\"name\":\"mesh\",\"unique_key\":\"key-" +
             std::to_string(i) + "\",\"hits\":1,\"limit\":100,\"duration\":86400000}";
  }
  batch += "]}";
  for (int i = 0; i < 3; ++i) {
    testing::HttpPost(mesh.process(0).http_url() + "/v1/GetRateLimits", batch);
  }
  ASSERT_GE(mesh.Stat(0, "windows"), 1000);

  UdpEndpoint source;  // sends the forgeries, and claims its own address in them
  UdpEndpoint victim;  // claimed by forgeries sent from `source`
  size_t sent = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string join = ForgedJoin("forged-" + std::to_string(i), source.address());
    source.SendTo(mesh.udp_port(0), join);
    sent += join.size();
  }
  const size_t to_source = source.Drain();
  std::printf("20 forged joins, %zu bytes: %zu bytes came back\n", sent, to_source);
  EXPECT_GT(to_source, 0u) << "challenged";
  EXPECT_LE(to_source, mesh::kMaxAmplification * sent);

  const std::string spoofed = ForgedJoin("spoofer", victim.address());
  source.SendTo(mesh.udp_port(0), spoofed);
  const size_t to_victim = victim.Drain();
  EXPECT_LE(to_victim, mesh::kMaxAmplification * spoofed.size());
  EXPECT_EQ(source.Drain(500), 0u) << "nothing goes to the datagram's source";

  EXPECT_EQ(mesh.Stat(0, "members"), 2) << "no forged node became a member";
  EXPECT_GE(mesh.Stat(0, "unverified"), 21);
  const std::string metrics = testing::HttpGet(mesh.process(0).http_url() + "/metrics").body;
  EXPECT_GE(obs::ParseExposition(metrics).Get(
                "sluice_gossip_dropped_packets_total{reason=\"unverified\"}"),
            21)
      << metrics;
  // The real members still converge.
  mesh.Hit(1, "after-forgery", 3, 10);
  EXPECT_TRUE(Eventually([&] { return mesh.Remaining(0, "after-forgery", 10) == 7; }, 5000));
}

TEST(MeshHostileTest, CorruptedDatagramsAreDroppedAndCountedAsChecksum) {
  MeshCluster mesh(2);
  ASSERT_TRUE(mesh.ready());
  ASSERT_TRUE(mesh.WaitForMembers(2));
  const std::string join = ForgedJoin("phantom", "127.0.0.1:9");
  for (size_t i = 4; i < join.size(); ++i) {
    std::string flipped = join;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    testing::SendDatagram(mesh.udp_port(0), flipped);
  }
  const int64_t expected = static_cast<int64_t>(join.size() - 4);
  EXPECT_TRUE(Eventually([&] { return mesh.Stat(0, "checksum") >= expected; }, 5000))
      << mesh.Stats(0);
  const std::string metrics = testing::HttpGet(mesh.process(0).http_url() + "/metrics").body;
  EXPECT_EQ(obs::ParseExposition(metrics).Get(
                "sluice_gossip_dropped_packets_total{reason=\"checksum\"}"),
            static_cast<double>(expected));
  EXPECT_EQ(mesh.Stats(0).find("phantom"), std::string::npos) << "no phantom member";
}

// libprotobuf logs an error line for every string field that is not UTF-8; 2,000 such datagrams
// used to print 2,000 lines.
TEST(MeshHostileTest, MalformedPacketsDoNotFloodTheLog) {
  MeshCluster mesh(1);
  ASSERT_TRUE(mesh.ready());
  mesh::wire::Packet p;
  p.mutable_sender()->set_node_id("ok");
  p.mutable_sender()->set_incarnation(1);
  p.set_token(1);
  p.mutable_leave();
  p.set_cluster_id("sluice");
  std::string body = p.SerializeAsString();
  const size_t at = body.find("ok");
  ASSERT_NE(at, std::string::npos);
  body[at + 1] = static_cast<char>(0xff);  // not UTF-8
  std::string datagram = std::string("SM\x02\x00", 4) + body;
  const uint32_t crc = mesh::Crc32c(datagram);
  for (int i = 0; i < 4; ++i) datagram.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  for (int i = 0; i < 2000; ++i) testing::SendDatagram(mesh.udp_port(0), datagram);
  EXPECT_TRUE(Eventually([&] { return mesh.Stat(0, "malformed") >= 100; }, 5000))
      << mesh.Stats(0);
  const std::string output = mesh.process(0).Output();
  size_t lines = 0;
  for (size_t pos = output.find("invalid UTF-8"); pos != std::string::npos;
       pos = output.find("invalid UTF-8", pos + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 5u) << output.substr(0, 4000);
}

TEST(MeshHostileTest, AnUnsignedMeshRefusesANonLoopbackBind) {
  const int port = testing::FreeUdpPort();
  testing::SluiceProcess::Options options;
  options.extra_args = {"--mesh", "--mesh-addr", "0.0.0.0:" + std::to_string(port)};
  testing::SluiceProcess refused(options);
  EXPECT_FALSE(refused.ready());
  EXPECT_NE(refused.Output().find("--mesh-addr '0.0.0.0:" + std::to_string(port) +
                                  "' is not a loopback address"),
            std::string::npos)
      << refused.Output();
  EXPECT_NE(refused.Output().find("give --mesh-secret-file"), std::string::npos);
  EXPECT_NE(refused.Output().find("or --mesh-insecure"), std::string::npos);

  options.extra_args.push_back("--mesh-insecure");
  testing::SluiceProcess insecure(options);
  EXPECT_TRUE(insecure.ready()) << insecure.Output();
}

}  // namespace
}  // namespace sluice
