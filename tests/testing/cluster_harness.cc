#include "testing/cluster_harness.h"

#include <cstdio>

#include "absl/strings/str_join.h"
#include "cluster/ring.h"
#include "testing/exposition.h"
#include "testing/http_client.h"

namespace sluice::testing {

ClusterHarness::ClusterHarness(Options options) : options_(std::move(options)) {
  // A picked port can be taken by another test process before its node binds it ("Address
  // already in use"); the peer list names every port, so the whole cluster starts again on
  // ports picked anew.
  for (int attempt = 1;; ++attempt) {
    std::vector<int> ports;
    for (int i = 0; i < options_.nodes; ++i) ports.push_back(FreePort());
    std::vector<std::string> peers;
    for (int port : ports) peers.push_back("127.0.0.1:" + std::to_string(port));
    for (int i = 0; i < options_.nodes; ++i) {
      std::vector<std::string> args;
      if (options_.static_peers) args = {"--peers", absl::StrJoin(peers, ",")};
      AddNode(args, "127.0.0.1", ports[i]);
    }
    if (started() || attempt == 3) return;
    bool port_taken = false;
    for (const auto& node : nodes_) port_taken = port_taken || node->PortWasTaken();
    if (!port_taken) return;
    std::fprintf(stderr, "cluster: a port was taken before its node bound it; starting again\n");
    stubs_.clear();
    for (auto& node : nodes_) node->Kill();
    nodes_.clear();
  }
}

ClusterHarness::~ClusterHarness() {
  stubs_.clear();
  // Kill first so no node waits on a departed peer while the others shut down.
  for (auto& node : nodes_) {
    if (node) node->Kill();
  }
}

int ClusterHarness::AddNode(std::vector<std::string> extra_args, std::string grpc_host,
                            int grpc_port) {
  SluiceProcess::Options o;
  o.grpc_host = std::move(grpc_host);
  o.grpc_port = grpc_port;
  o.extra_args = options_.extra_args;
  o.extra_args.insert(o.extra_args.end(), extra_args.begin(), extra_args.end());
  nodes_.push_back(std::make_unique<SluiceProcess>(o));
  stubs_.push_back(pb::gubernator::V1::NewStub(
      grpc::CreateChannel(nodes_.back()->grpc_address(),
                          options_.credentials ? options_.credentials
                                               : grpc::InsecureChannelCredentials())));
  return static_cast<int>(nodes_.size()) - 1;
}

bool ClusterHarness::started() const {
  for (const auto& node : nodes_) {
    if (!node->ready()) return false;
  }
  return true;
}

bool ClusterHarness::AwaitHealthy(int peers, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    const int want = peers >= 0 ? peers : static_cast<int>(LiveAddresses().size());
    bool all = true;
    for (size_t i = 0; i < nodes_.size() && all; ++i) {
      if (!alive(static_cast<int>(i))) continue;
      pb::gubernator::HealthCheckResp resp;
      grpc::Status status = HealthCheck(static_cast<int>(i), &resp);
      if (!status.ok() || resp.status() != "healthy" || resp.peer_count() != want) {
        all = false;
        last = "node " + std::to_string(i) + ": " + status.error_message() + " " +
               resp.ShortDebugString();
      }
    }
    if (all) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::fprintf(stderr, "cluster not healthy: %s\n", last.c_str());
  return false;
}

void ClusterHarness::Kill(int i) { nodes_[i]->Kill(); }

std::vector<std::string> ClusterHarness::LiveAddresses() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (alive(static_cast<int>(i))) out.push_back(nodes_[i]->grpc_address());
  }
  return out;
}

int ClusterHarness::OwnerOf(const std::string& name, const std::string& key,
                            const std::vector<std::string>& addresses) const {
  std::vector<cluster::PeerInfo> peers;
  for (const auto& a : addresses.empty() ? LiveAddresses() : addresses) {
    peers.push_back(cluster::PeerInfo{.grpc_address = a});
  }
  auto ring = cluster::Ring::Build(peers);
  if (!ring.ok()) return -1;
  const cluster::PeerInfo* owner = ring->Owner(name + "_" + key);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (owner && nodes_[i]->grpc_address() == owner->grpc_address) return static_cast<int>(i);
  }
  return -1;
}

std::string ClusterHarness::KeyOwnedBy(int owner, const std::string& name,
                                       const std::string& prefix) const {
  for (int n = 0; n < 100'000; ++n) {
    std::string key = prefix + std::to_string(n);
    if (OwnerOf(name, key) == owner) return key;
  }
  return "";
}

pb::gubernator::V1::Stub& ClusterHarness::Stub(int i) { return *stubs_[i]; }

grpc::Status ClusterHarness::GetRateLimits(int i, const pb::gubernator::GetRateLimitsReq& req,
                                           pb::gubernator::GetRateLimitsResp* resp,
                                           absl::Duration deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return stubs_[i]->GetRateLimits(&ctx, req, resp);
}

grpc::Status ClusterHarness::HealthCheck(int i, pb::gubernator::HealthCheckResp* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  return stubs_[i]->HealthCheck(&ctx, pb::gubernator::HealthCheckReq(), resp);
}

double ClusterHarness::Metric(int i, const std::string& series) {
  const std::string base = options_.http_tls
                               ? "https://127.0.0.1:" + std::to_string(nodes_[i]->http_port())
                               : nodes_[i]->http_url();
  HttpReply reply = HttpCall("GET", base + "/metrics", "", {}, 5000,
                             options_.http_tls ? &*options_.http_tls : nullptr);
  return obs::ParseExposition(reply.body).Get(series);
}

pb::gubernator::RateLimitReq* AddRequest(pb::gubernator::GetRateLimitsReq& req,
                                         const std::string& name, const std::string& key,
                                         int64_t hits, int64_t limit, int64_t duration_ms,
                                         int behavior) {
  auto* r = req.add_requests();
  r->set_name(name);
  r->set_unique_key(key);
  r->set_hits(hits);
  r->set_limit(limit);
  r->set_duration(duration_ms);
  r->set_behavior(static_cast<pb::gubernator::Behavior>(behavior));
  return r;
}

}  // namespace sluice::testing
