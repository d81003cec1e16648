// ClusterHarness: N real `sluice` processes on 127.0.0.1 forming one cluster, for the cluster
// integration tests. It picks the ports, gives every node the same peer list (static discovery)
// or the caller's discovery flags, waits until every node's HealthCheck reports the whole
// cluster, and finds a key's owner by building the same Ring in-process. Every node is killed
// when the harness goes away (SluiceProcess), whatever the test did.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gubernator.grpc.pb.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"

namespace sluice::testing {

class ClusterHarness {
 public:
  struct Options {
    int nodes = 3;
    // true: --peers lists every node. false: the caller's extra_args say how peers are found.
    bool static_peers = true;
    std::vector<std::string> extra_args;  // given to every node
    // How the harness's own clients dial the nodes; null = plaintext. With TLS, `http_tls`
    // lets Metric() scrape over HTTPS.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    std::optional<HttpTls> http_tls;
  };

  explicit ClusterHarness(Options options);
  ~ClusterHarness();
  ClusterHarness(const ClusterHarness&) = delete;
  ClusterHarness& operator=(const ClusterHarness&) = delete;

  // Adds (and starts) one more node with `extra_args` (after the shared ones); returns its index.
  int AddNode(std::vector<std::string> extra_args = {}, std::string grpc_host = "127.0.0.1",
              int grpc_port = 0);

  // True when every node started.
  bool started() const;
  // Waits until every live node's HealthCheck is healthy with `peers` peers (default: the live
  // node count). False (with the last message printed) on timeout.
  bool AwaitHealthy(int peers = -1, absl::Duration timeout = absl::Seconds(20));

  size_t size() const { return nodes_.size(); }
  SluiceProcess& node(int i) { return *nodes_[i]; }
  bool alive(int i) const { return nodes_[i] && nodes_[i]->pid() > 0; }
  // SIGKILL node i (it stays in the list, dead).
  void Kill(int i);

  // gRPC addresses of the live nodes (what the ring is built from).
  std::vector<std::string> LiveAddresses() const;
  // The index of the node owning name_key on the ring of `addresses` (default: the live nodes).
  int OwnerOf(const std::string& name, const std::string& key,
              const std::vector<std::string>& addresses = {}) const;
  // The first unique_key "<prefix><n>" whose owner is node `owner`.
  std::string KeyOwnedBy(int owner, const std::string& name, const std::string& prefix = "k") const;

  pb::gubernator::V1::Stub& Stub(int i);
  // GetRateLimits on node i with a deadline.
  grpc::Status GetRateLimits(int i, const pb::gubernator::GetRateLimitsReq& req,
                             pb::gubernator::GetRateLimitsResp* resp,
                             absl::Duration deadline = absl::Seconds(10));
  grpc::Status HealthCheck(int i, pb::gubernator::HealthCheckResp* resp);
  // The value of a metric series line `series` (e.g. "sluice_peer_batch_size_count") on node i's
  // /metrics, or -1.
  double Metric(int i, const std::string& series);

 private:
  Options options_;
  std::vector<std::unique_ptr<SluiceProcess>> nodes_;
  std::vector<std::unique_ptr<pb::gubernator::V1::Stub>> stubs_;
};

// A GetRateLimitsReq item.
pb::gubernator::RateLimitReq* AddRequest(pb::gubernator::GetRateLimitsReq& req,
                                         const std::string& name, const std::string& key,
                                         int64_t hits, int64_t limit, int64_t duration_ms = 60'000,
                                         int behavior = 0);

}  // namespace sluice::testing
