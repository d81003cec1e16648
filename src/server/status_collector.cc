#include "server/status_collector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "rules/rule.h"

namespace sluice::server {
namespace {

std::vector<StatusRule> Descriptors(const rules::DescriptorChildren& children) {
  std::vector<const rules::DescriptorNode*> nodes = children.All();
  std::sort(nodes.begin(), nodes.end(), [](const auto* a, const auto* b) {
    return a->line != b->line ? a->line < b->line : a->key + a->value < b->key + b->value;
  });
  std::vector<StatusRule> out;
  out.reserve(nodes.size());
  for (const rules::DescriptorNode* node : nodes) {
    StatusRule rule{.key = node->key,
                    .value = node->value,
                    .shadow_mode = node->shadow_mode,
                    .line = node->line,
                    .children = Descriptors(node->children)};
    if (node->policy) {
      const rules::RateLimitPolicy& p = *node->policy;
      rule.limit = p.unlimited ? "unlimited"
                               : absl::StrCat(p.requests_per_unit, "/",
                                              std::string(rules::UnitName(p.unit)));
      rule.algorithm = rules::RuleAlgorithmName(p.algorithm);
      rule.name = p.name;
    }
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace

std::vector<StatusDomain> RulesTree(const rules::RuleSet& rules) {
  std::vector<StatusDomain> out;
  for (const std::string& name : rules.DomainNames()) {
    const rules::Domain* domain = rules.FindDomain(name);
    if (domain == nullptr) continue;
    out.push_back(StatusDomain{.name = domain->name,
                               .source = domain->source,
                               .line = domain->line,
                               .descriptors = Descriptors(domain->descriptors)});
  }
  return out;
}

std::vector<StatusPeer> ClusterPeers(const cluster::ClusterView& view, int64_t errors_since) {
  std::vector<StatusPeer> out;
  const std::vector<double> shares = view.ring.OwnershipShares();
  const std::vector<cluster::PeerInfo>& peers = view.ring.peers();
  for (size_t i = 0; i < peers.size(); ++i) {
    StatusPeer peer{.address = peers[i].grpc_address,
                    .data_center = peers[i].data_center,
                    .self = peers[i].is_self,
                    .state = peers[i].is_self ? "self" : "ok",
                    .ring_share = shares[i]};
    if (const cluster::PeerClient* client = view.ClientFor(peers[i].grpc_address)) {
      const std::vector<std::string> errors = client->ErrorsSince(errors_since);
      if (!errors.empty()) {  // newest first
        peer.state = "failing";
        peer.last_error = errors.front();
      }
    }
    out.push_back(std::move(peer));
  }
  for (const cluster::PeerInfo& remote : view.region_peers) {
    out.push_back(StatusPeer{.address = remote.grpc_address,
                             .data_center = remote.data_center,
                             .state = "remote"});
  }
  return out;
}

std::vector<StatusPeer> MeshPeers(const std::vector<mesh::MemberStatus>& members) {
  std::vector<StatusPeer> out;
  for (const mesh::MemberStatus& m : members) {
    out.push_back(StatusPeer{.address = m.info.grpc_address,
                             .self = m.self,
                             .state = m.self ? "self" : mesh::NodeStateName(m.state)});
  }
  return out;
}

StatusReport StatusCollector::Collect(int64_t now) const {
  const cluster::HealthReport health = in_.health->Report(now);
  StatusReport r{.version = in_.version,
                 .mode = in_.mode,
                 .instance_id = in_.instance_id,
                 .advertise_address = in_.advertise_address,
                 .started_ms = in_.started_ms,
                 .now_ms = now,
                 .healthy = health.healthy,
                 .health_message = health.message,
                 .settings = in_.settings,
                 .rules_path = in_.rules->path(),
                 .domains = RulesTree(*in_.rules->Current()),
                 .reloads = in_.reloads->Recent(),
                 .top_keys = in_.top_keys->Top(in_.top_k, now),
                 .top_keys_window_ms = absl::ToInt64Milliseconds(in_.top_keys_window)};
  if (in_.peer_failure) r.peer_failure = in_.peer_failure();
  if (in_.cluster_view) {
    if (std::shared_ptr<const cluster::ClusterView> view = in_.cluster_view()) {
      r.peers = ClusterPeers(*view, now - absl::ToInt64Milliseconds(in_.peer_error_window));
    }
  } else if (in_.mesh != nullptr) {
    r.peers = MeshPeers(in_.mesh->Members());
  } else {
    r.peers.push_back(StatusPeer{
        .address = in_.advertise_address, .self = true, .state = "self", .ring_share = 1.0});
  }
  return r;
}

}  // namespace sluice::server
