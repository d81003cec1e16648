// Kubernetes discovery (K8sMembership) against FakeK8sApiServer over real HTTPS: list, watch,
// chunked streams, 410 Gone both ways, dropped connections, refused requests, wrong CA. No API
// server can be installed where these tests run, so the fake speaks the real JSON shapes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "cluster/k8s_membership.h"
#include "obs/registry.h"
#include "testing/fake_k8s_api_server.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/test_certs.h"

namespace sluice::cluster {
namespace {

using ::sluice::testing::FakeK8sApiServer;
using ::sluice::testing::HttpGet;
using ::sluice::testing::SluiceProcess;
using ::sluice::testing::TestCerts;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSlices[] = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
constexpr char kPods[] = "/api/v1/namespaces/default/pods";

bool Eventually(const std::function<bool()>& condition, int timeout_ms = 10000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

std::vector<std::string> Addresses(const std::vector<PeerInfo>& peers) {
  std::vector<std::string> out;
  for (const auto& peer : peers) out.push_back(peer.grpc_address + (peer.is_self ? "*" : ""));
  return out;
}

class K8sDiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs_.ok());
    account_dir_ = certs_.Path("serviceaccount");
    std::filesystem::create_directories(account_dir_);
    std::ofstream(account_dir_ + "/token") << "test-token\n";
    std::filesystem::copy_file(certs_.Path("ca.pem"), account_dir_ + "/ca.crt");
    server_ = std::make_unique<FakeK8sApiServer>(FakeK8sApiServer::Options{
        .cert_file = certs_.Path("server.pem"), .key_file = certs_.Path("server.key")});
  }

  K8sMembershipOptions Options() const {
    K8sMembershipOptions o;
    o.api = {.host = "127.0.0.1",
             .port = static_cast<uint16_t>(server_->port()),
             .token_file = account_dir_ + "/token",
             .ca_file = account_dir_ + "/ca.crt",
             .timeout = absl::Seconds(5)};
    o.service_name = "sluice";
    o.pod_ip = "10.0.0.1";
    o.pod_port = 1051;
    o.retry_initial = absl::Milliseconds(20);
    o.retry_max = absl::Milliseconds(100);
    return o;
  }

  void Start(K8sMembershipOptions options) {
    membership_ = std::make_unique<K8sMembership>(std::move(options), registry_);
    ASSERT_TRUE(membership_
                    ->Start([this](std::vector<PeerInfo> peers) {
                      std::lock_guard<std::mutex> lock(mu_);
                      reported_.push_back(Addresses(peers));
                    })
                    .ok());
  }

  std::vector<std::string> LastReported() {
    std::lock_guard<std::mutex> lock(mu_);
    return reported_.empty() ? std::vector<std::string>{} : reported_.back();
  }
  bool AwaitPeers(const std::vector<std::string>& expected) {
    return Eventually([&] { return LastReported() == expected; });
  }
  // The value of a sluice_k8s_discovery_* counter as /metrics would show it.
  double Metric(const std::string& name) {
    const std::string text = registry_.Render();
    const std::string prefix = "\n" + name + " ";
    const size_t at = text.find(prefix);
    return at == std::string::npos ? 0 : std::stod(text.substr(at + prefix.size()));
  }

  TestCerts certs_;
  std::string account_dir_;
  std::unique_ptr<FakeK8sApiServer> server_;
  obs::Registry registry_;
  std::mutex mu_;
  std::vector<std::vector<std::string>> reported_;
  std::unique_ptr<K8sMembership> membership_;
};

TEST_F(K8sDiscoveryTest, ListsThenFollowsTheWatchOfEndpointSlices) {
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson(
                            "sluice-abc", "sluice",
                            {{"10.0.0.1", false}, {"10.0.0.2", true}, {"10.0.0.3", false}}));
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("other-xyz", "other",
                                                            {{"10.9.9.9", true}}));
  Start(Options());
  // The first list is reported before Start returns; self is listed although not ready.
  EXPECT_THAT(LastReported(), ElementsAre("10.0.0.1:1051*", "10.0.0.2:1051"));
  EXPECT_THAT(server_->Requests().front(),
              ::testing::StartsWith(std::string(kSlices) +
                                    "?labelSelector=kubernetes.io%2Fservice-name%3Dsluice"));

  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson(
                            "sluice-abc", "sluice",
                            {{"10.0.0.1", true}, {"10.0.0.2", true}, {"10.0.0.3", true}}));
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.2:1051", "10.0.0.3:1051"}));
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-def", "sluice",
                                                            {{"10.0.0.4", true}}));
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.2:1051", "10.0.0.3:1051", "10.0.0.4:1051"}));
  server_->Delete(kSlices, "sluice-def");
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.2:1051", "10.0.0.3:1051"}));
  server_->Bookmark();  // only moves the version on

  EXPECT_EQ(Metric("sluice_k8s_discovery_lists_total"), 1);
  EXPECT_TRUE(Eventually([&] { return Metric("sluice_k8s_discovery_watch_events_total") == 4; }))
      << registry_.Render();
  EXPECT_EQ(Metric("sluice_k8s_discovery_relists_total"), 0);
  EXPECT_EQ(Metric("sluice_k8s_discovery_errors_total"), 0);
  // The watch asked for the list's version and for bookmarks.
  const auto requests = server_->Requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_THAT(requests[1], HasSubstr("&watch=true&allowWatchBookmarks=true&resourceVersion=102"));
  membership_->Stop();  // returns at once, although the watch was open
}

TEST_F(K8sDiscoveryTest, WatchesPodsBySelector) {
  server_->Put(kPods, FakeK8sApiServer::PodJson("sluice-0", "sluice", "10.0.0.1", true));
  server_->Put(kPods, FakeK8sApiServer::PodJson("sluice-1", "sluice", "10.0.0.2", false));
  server_->Put(kPods, FakeK8sApiServer::PodJson("web-0", "web", "10.0.0.8", true));
  auto options = Options();
  options.resource = K8sResource::kPods;
  options.service_name.clear();
  options.selector = "app=sluice";
  Start(options);
  EXPECT_THAT(LastReported(), ElementsAre("10.0.0.1:1051*"));
  server_->Put(kPods, FakeK8sApiServer::PodJson("sluice-1", "sluice", "10.0.0.2", true));
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.2:1051"}));
  EXPECT_THAT(server_->Requests().front(),
              ::testing::StartsWith(std::string(kPods) + "?labelSelector=app%3Dsluice"));
}

TEST_F(K8sDiscoveryTest, ListsAgainWhenTheVersionIsGone) {
  for (bool as_http_status : {true, false}) {
    SCOPED_TRACE(as_http_status ? "HTTP 410" : "ERROR event 410");
    server_ = std::make_unique<FakeK8sApiServer>(FakeK8sApiServer::Options{
        .cert_file = certs_.Path("server.pem"), .key_file = certs_.Path("server.key")});
    membership_.reset();
    server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice",
                                                              {{"10.0.0.1", true}}));
    const double lists = Metric("sluice_k8s_discovery_lists_total");
    const double relists = Metric("sluice_k8s_discovery_relists_total");
    Start(Options());
    ASSERT_TRUE(Eventually([&] { return server_->OpenWatches() == 1; }));
    // While the watch is down, a change happens and etcd is compacted past the node's version.
    server_->DropWatches();
    server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson(
                              "sluice-a", "sluice", {{"10.0.0.1", true}, {"10.0.0.5", true}}));
    server_->Compact(as_http_status);
    EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.5:1051"}));
    EXPECT_EQ(Metric("sluice_k8s_discovery_relists_total"), relists + 1);
    EXPECT_EQ(Metric("sluice_k8s_discovery_lists_total"), lists + 2);
    // And the watch goes on from the new list's version.
    server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-b", "sluice",
                                                              {{"10.0.0.6", true}}));
    EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.5:1051", "10.0.0.6:1051"}));
  }
}

TEST_F(K8sDiscoveryTest, ReconnectsAfterADroppedConnectionWithoutListingAgain) {
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice",
                                                            {{"10.0.0.1", true}}));
  Start(Options());
  auto watches = [&] {
    int count = 0;
    for (const auto& target : server_->Requests()) count += target.find("watch=true") != std::string::npos;
    return count;
  };
  for (int i = 2; i <= 4; ++i) {
    // The (i-1)th watch is open: drop it, and change the list while the node is away.
    ASSERT_TRUE(Eventually([&] { return watches() == i - 1 && server_->OpenWatches() == 1; }));
    server_->DropWatches();
    server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson(
                              "sluice-" + std::to_string(i), "sluice",
                              {{"10.0.0." + std::to_string(i), true}}));
  }
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.2:1051", "10.0.0.3:1051", "10.0.0.4:1051"}));
  EXPECT_EQ(Metric("sluice_k8s_discovery_lists_total"), 1);
  EXPECT_TRUE(Eventually([&] { return Metric("sluice_k8s_discovery_errors_total") == 3; }))
      << Metric("sluice_k8s_discovery_errors_total");  // one per drop
  EXPECT_EQ(Metric("sluice_k8s_discovery_relists_total"), 0);
}

TEST_F(K8sDiscoveryTest, RetriesRefusedRequestsAndKeepsTheLastList) {
  server_->FailNext(3, 503);
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice",
                                                            {{"10.0.0.1", true}}));
  Start(Options());
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*"}));  // after three refused lists
  EXPECT_EQ(Metric("sluice_k8s_discovery_errors_total"), 3);
  ASSERT_TRUE(Eventually([&] { return server_->OpenWatches() == 1; }));
  server_->FailNext(2, 500);
  server_->DropWatches();  // the re-watch is refused twice; the list stays
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-b", "sluice",
                                                            {{"10.0.0.2", true}}));
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.2:1051"}));
  // The drop and the two refused watches.
  EXPECT_TRUE(Eventually([&] { return Metric("sluice_k8s_discovery_errors_total") == 6; }))
      << Metric("sluice_k8s_discovery_errors_total");
  EXPECT_EQ(Metric("sluice_k8s_discovery_lists_total"), 1);
}

TEST_F(K8sDiscoveryTest, AWatchThatEndsAtOnceIsRetriedWithBackOff) {
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice",
                                                            {{"10.0.0.1", true}}));
  server_->EndWatchesAtOnce(true);
  Start(Options());  // back-off 20 ms doubling to 100 ms
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const size_t requests = server_->Requests().size();
  EXPECT_LE(requests, 12u);  // not a tight loop
  EXPECT_GE(Metric("sluice_k8s_discovery_errors_total"), 2);
  server_->EndWatchesAtOnce(false);
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-b", "sluice",
                                                            {{"10.0.0.2", true}}));
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*", "10.0.0.2:1051"}));
}

TEST_F(K8sDiscoveryTest, AWrongTokenOrCaIsAnErrorNotAList) {
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice",
                                                            {{"10.0.0.1", true}}));
  std::ofstream(account_dir_ + "/token") << "stale-token\n";
  Start(Options());
  EXPECT_TRUE(Eventually([&] { return Metric("sluice_k8s_discovery_errors_total") >= 2; }));
  EXPECT_TRUE(LastReported().empty());
  // Projected tokens rotate in place: the next request reads the file again and succeeds.
  std::ofstream(account_dir_ + "/token") << "test-token\n";
  EXPECT_TRUE(AwaitPeers({"10.0.0.1:1051*"}));
  membership_.reset();

  // A server whose certificate the service-account CA did not sign is refused.
  std::filesystem::copy_file(certs_.Path("other_ca.pem"), account_dir_ + "/ca.crt",
                             std::filesystem::copy_options::overwrite_existing);
  const double errors = Metric("sluice_k8s_discovery_errors_total");
  const size_t requests = server_->Requests().size();
  Start(Options());
  EXPECT_TRUE(Eventually([&] { return Metric("sluice_k8s_discovery_errors_total") >= errors + 2; }));
  EXPECT_EQ(server_->Requests().size(), requests);  // no request got through the handshake
}

TEST_F(K8sDiscoveryTest, StartRefusesIncompleteOptions) {
  auto options = Options();
  options.service_name.clear();
  K8sMembership no_selector(options, registry_);
  EXPECT_THAT(no_selector.Start([](std::vector<PeerInfo>) {}).message(),
              HasSubstr("GUBER_K8S_SERVICE_NAME"));
  options = Options();
  options.pod_ip.clear();
  K8sMembership no_ip(options, registry_);
  EXPECT_THAT(no_ip.Start([](std::vector<PeerInfo>) {}).message(), HasSubstr("GUBER_K8S_POD_IP"));
  options = Options();
  options.api.ca_file = "/nonexistent/ca.crt";
  K8sMembership no_ca(options, registry_);
  EXPECT_THAT(no_ca.Start([](std::vector<PeerInfo>) {}).message(), HasSubstr("/nonexistent/ca.crt"));
}

// The real binary configured as Gubernator users configure k8s discovery.
TEST_F(K8sDiscoveryTest, ANodeInAPodFindsItselfThroughTheApi) {
  const int grpc_port = ::sluice::testing::FreePort();
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice",
                                                            {{"127.0.0.1", true}}));
  SluiceProcess node(SluiceProcess::Options{
      .env = {"GUBER_PEER_DISCOVERY_TYPE=k8s", "KUBERNETES_SERVICE_HOST=127.0.0.1",
              "KUBERNETES_SERVICE_PORT=" + std::to_string(server_->port()),
              "GUBER_K8S_SERVICE_NAME=sluice", "GUBER_K8S_POD_IP=127.0.0.1",
              "GUBER_K8S_POD_PORT=" + std::to_string(grpc_port),
              "SLUICE_K8S_SERVICE_ACCOUNT_DIR=" + account_dir_},
      .grpc_port = grpc_port});
  ASSERT_TRUE(node.ready()) << node.Output();
  auto health = HttpGet(node.http_url() + "/v1/HealthCheck");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_THAT(health.body, HasSubstr("\"advertise_address\":\"127.0.0.1:" +
                                     std::to_string(grpc_port) + "\""));
  EXPECT_THAT(health.body, HasSubstr("\"peer_count\":1"));
  EXPECT_TRUE(Eventually([&] { return server_->OpenWatches() == 1; }));
  auto metrics = HttpGet(node.http_url() + "/metrics");
  EXPECT_THAT(metrics.body, HasSubstr("\nsluice_k8s_discovery_lists_total 1\n"));
  // Removed from the Service, the node no longer finds itself: unhealthy, as Gubernator.
  server_->Put(kSlices, FakeK8sApiServer::EndpointSliceJson("sluice-a", "sluice", {}));
  EXPECT_TRUE(Eventually([&] {
    return HttpGet(node.http_url() + "/v1/HealthCheck").body.find("not found in the peer list") !=
           std::string::npos;
  }));
  EXPECT_THAT(node.Output(), HasSubstr("k8s discovery: watching endpointslices of "
                                       "kubernetes.io/service-name=sluice"));
}

TEST_F(K8sDiscoveryTest, OutsideAClusterK8sStopsStartUp) {
  SluiceProcess node(SluiceProcess::Options{
      .env = {"GUBER_PEER_DISCOVERY_TYPE=k8s", "GUBER_K8S_SERVICE_NAME=sluice",
              "GUBER_K8S_POD_IP=10.0.0.1"}});
  EXPECT_FALSE(node.ready());
  EXPECT_THAT(node.Output(), HasSubstr("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are "
                                       "not set, so this is not running in a Kubernetes pod"));
}

}  // namespace
}  // namespace sluice::cluster
