// Tests that need addresses other than 127.0.0.1. They run in a private network namespace
// (unshare(CLONE_NEWNET) before any test; root only) so they never touch the machine's network:
//   lo       127.0.0.1
//   first0   10.5.0.1/24   (created first: the "first non-loopback address"; a veth pair
//                          whose other end, first1, stays here unnumbered)
//   veth0    10.20.0.1/24  whose other end, veth1 10.20.0.2/24, is in a second private
//                          namespace (a sleeping `unshare --net` child): the peers' network
// A node bound to 0.0.0.0 must advertise the address that reaches its peers (issue 17).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/child_process.h"
#include "testing/fake_k8s_api_server.h"
#include "testing/free_port.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/test_certs.h"

namespace sluice::testing {
namespace {

using ::testing::HasSubstr;

std::string g_skip_reason;  // set when the namespace could not be made
pid_t g_peer_namespace = -1;

bool Sh(const std::string& command) {
  const int rc = std::system((command + " >/dev/null 2>&1").c_str());
  if (rc != 0) g_skip_reason = "failed: " + command;
  return rc == 0;
}

class PrivateNetwork : public ::testing::Environment {
 public:
  void SetUp() override {
    if (unshare(CLONE_NEWNET) != 0) {
      g_skip_reason = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    g_peer_namespace = fork();
    if (g_peer_namespace == 0) {
      if (unshare(CLONE_NEWNET) != 0) _exit(1);
      pause();
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the child's unshare
    const std::string peer = "nsenter -t " + std::to_string(g_peer_namespace) + " -n ";
    (void)(Sh("ip link set lo up") &&
           Sh("ip link add first0 type veth peer name first1 && "
              "ip addr add 10.5.0.1/24 dev first0 && ip link set first0 up && "
              "ip link set first1 up") &&
           Sh("ip link add veth0 type veth peer name veth1 && ip link set veth1 netns " +
              std::to_string(g_peer_namespace)) &&
           Sh("ip addr add 10.20.0.1/24 dev veth0 && ip link set veth0 up") &&
           Sh(peer + "ip addr add 10.20.0.2/24 dev veth1") && Sh(peer + "ip link set veth1 up") &&
           Sh(peer + "ip link set lo up"));
  }
  void TearDown() override {
    if (g_peer_namespace > 0) {
      kill(g_peer_namespace, SIGKILL);
      waitpid(g_peer_namespace, nullptr, 0);
    }
  }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PrivateNetwork);

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!g_skip_reason.empty()) GTEST_SKIP() << "no private network namespace: " << g_skip_reason;
  }
};

TEST_F(NetnsTest, AWildcardBindAdvertisesTheInterfaceThatReachesThePeers) {
  const int port = FreePort();
  SluiceProcess node(SluiceProcess::Options{
      .extra_args = {"--peers", "10.20.0.2:" + std::to_string(port) + ",10.20.0.1:" +
                                    std::to_string(port)},
      .grpc_port = port,
      .grpc_host = "0.0.0.0"});
  ASSERT_TRUE(node.ready()) << node.Output();
  // Not 127.0.0.1 (what this machine's name resolves to), not first0's 10.5.0.1 (the first
  // non-loopback address): the address on the way to the peers.
  const std::string self = "10.20.0.1:" + std::to_string(port);
  EXPECT_THAT(HttpGet(node.http_url() + "/v1/HealthCheck").body,
              HasSubstr("\"advertise_address\":\"" + self + "\""));
  EXPECT_THAT(node.Output(), HasSubstr("--addr is bound to '0.0.0.0'; advertising 10.20.0.1: the "
                                       "address of interface veth0, which routes to 10.20.0.2"));
}

// etcd on the peers' network: the node registers the address that reaches etcd.
TEST_F(NetnsTest, AWildcardBindRegistersTheInterfaceThatReachesEtcd) {
  if (access("/usr/bin/etcd", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/etcd";
  char dir[] = "/tmp/sluice-netns-etcd-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string log = std::string(dir) + "/etcd.log";
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const pid_t etcd = SpawnChild(
      {"/usr/bin/nsenter", "-t", std::to_string(g_peer_namespace), "-n", "/usr/bin/etcd", "--data-dir",
       std::string(dir) + "/data", "--listen-client-urls", "http://10.20.0.2:2379",
       "--advertise-client-urls", "http://10.20.0.2:2379", "--listen-peer-urls",
       "http://127.0.0.1:2380"},
      log_fd);
  close(log_fd);
  const int port = FreePort();
  {
    SluiceProcess node(SluiceProcess::Options{
        .extra_args = {"--discovery", "etcd", "--etcd-endpoints", "10.20.0.2:2379",
                       "--etcd-poll-interval", "100ms"},
        .grpc_port = port,
        .grpc_host = "0.0.0.0"});
    ASSERT_TRUE(node.ready()) << node.Output();
    // The node finds its own registration (the etcd key) under the routed address.
    const std::string self = "10.20.0.1:" + std::to_string(port);
    bool registered = false;
    for (int i = 0; i < 200 && !registered; ++i) {
      registered = HttpGet(node.http_url() + "/v1/HealthCheck")
                       .body.find("\"advertise_address\":\"" + self + "\"") != std::string::npos;
      if (!registered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream etcd_log(log);
    EXPECT_TRUE(registered) << node.Output() << "\netcd:\n" << etcd_log.rdbuf();
    EXPECT_THAT(node.Output(), HasSubstr("advertising 10.20.0.1: the address of interface veth0, "
                                         "which routes to 10.20.0.2"));
  }
  kill(etcd, SIGKILL);
  waitpid(etcd, nullptr, 0);
  std::filesystem::remove_all(dir);
}

TEST_F(NetnsTest, AWildcardMeshAddressAdvertisesTheInterfaceThatReachesTheSeeds) {
  const int mesh_port = FreeLoopbackPort(SOCK_DGRAM);
  SluiceProcess node(SluiceProcess::Options{
      .extra_args = {"--mesh", "--mesh-insecure", "--mesh-addr", "0.0.0.0:" + std::to_string(mesh_port), "--peers",
                     "10.20.0.2:" + std::to_string(mesh_port)}});
  ASSERT_TRUE(node.ready()) << node.Output();
  EXPECT_THAT(node.Output(), HasSubstr("--mesh-addr is bound to '0.0.0.0'; advertising 10.20.0.1: "
                                       "the address of interface veth0, which routes to "
                                       "10.20.0.2"));
}

TEST_F(NetnsTest, LoopbackIsRefusedWhenAPeerIsOnAnotherHost) {
  const int port = FreePort();
  SluiceProcess node(SluiceProcess::Options{
      .extra_args = {"--peers", "127.0.0.1:" + std::to_string(port) + ",10.20.0.2:" +
                                    std::to_string(port)},
      .grpc_port = port});
  EXPECT_FALSE(node.ready());
  EXPECT_THAT(node.Output(),
              HasSubstr("--addr: this node would advertise 127.0.0.1:" + std::to_string(port) +
                        ", a loopback address, but --peers lists 10.20.0.2:" +
                        std::to_string(port)));
  const int mesh_port = FreeLoopbackPort(SOCK_DGRAM);
  SluiceProcess mesh(SluiceProcess::Options{
      .extra_args = {"--mesh", "--mesh-addr", "127.0.0.1:" + std::to_string(mesh_port), "--peers",
                     "10.20.0.2:" + std::to_string(mesh_port)}});
  EXPECT_FALSE(mesh.ready());
  EXPECT_THAT(mesh.Output(), HasSubstr("--mesh-addr: this node would advertise 127.0.0.1:"));
}

// Two pods, each with its own IP and the same gRPC port, find each other through the API.
TEST_F(NetnsTest, TwoPodsFindEachOtherThroughTheKubernetesApi) {
  TestCerts certs;
  ASSERT_TRUE(certs.ok());
  const std::string account = certs.Path("serviceaccount");
  std::filesystem::create_directories(account);
  std::ofstream(account + "/token") << "test-token";
  std::filesystem::copy_file(certs.Path("ca.pem"), account + "/ca.crt");
  FakeK8sApiServer api(FakeK8sApiServer::Options{.cert_file = certs.Path("server.pem"),
                                                 .key_file = certs.Path("server.key")});
  api.Put("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
          FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice",
                                              {{"10.5.0.1", true}, {"10.20.0.1", true}}));
  auto pod = [&](const std::string& ip) {
    return SluiceProcess::Options{
        .env = {"GUBER_PEER_DISCOVERY_TYPE=k8s", "KUBERNETES_SERVICE_HOST=127.0.0.1",
                "KUBERNETES_SERVICE_PORT=" + std::to_string(api.port()),
                "GUBER_K8S_SERVICE_NAME=sluice", "GUBER_K8S_POD_IP=" + ip,
                "GUBER_K8S_POD_PORT=1051", "SLUICE_K8S_SERVICE_ACCOUNT_DIR=" + account},
        .grpc_port = 1051,
        .grpc_host = ip};
  };
  SluiceProcess a(pod("10.5.0.1")), b(pod("10.20.0.1"));
  ASSERT_TRUE(a.ready() && b.ready()) << a.Output() << b.Output();
  for (SluiceProcess* node : {&a, &b}) {
    auto health = HttpGet(node->http_url() + "/v1/HealthCheck");
    EXPECT_EQ(health.status, 200) << health.body;
    EXPECT_THAT(health.body, HasSubstr("\"peer_count\":2"));
    EXPECT_THAT(health.body, HasSubstr("\"advertise_address\":\"" + node->grpc_address() + "\""));
  }
}

}  // namespace
}  // namespace sluice::testing
