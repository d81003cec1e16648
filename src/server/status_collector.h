// StatusCollector: fills a StatusReport (status_report.h) from a running node's parts — its
// health, its cluster view or mesh, the loaded rules, the reload log and the top keys — each
// read through its own thread-safe accessor, so a report is a consistent-enough snapshot taken
// without stopping any request.
//
// The pure conversions (RulesTree, ClusterPeers) are exposed for tests.
//
// Thread safety: Collect() from any thread; every referenced part must outlive the collector.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cluster/cluster_view.h"
#include "cluster/health.h"
#include "mesh/mesh.h"
#include "rules/rule_set.h"
#include "rules/rule_store.h"
#include "server/reload_log.h"
#include "server/status_report.h"
#include "server/top_keys.h"

namespace sluice::server {

// What the node fixes once at start-up, and the parts it reads per report.
struct StatusInputs {
  std::string version;
  std::string mode;
  std::string instance_id;
  std::string advertise_address;
  int64_t started_ms = 0;
  std::vector<StatusSetting> settings;
  const cluster::HealthSource* health = nullptr;  // required
  // Cluster mode: the router's current view, and how long a peer error counts as "failing".
  std::function<std::shared_ptr<const cluster::ClusterView>()> cluster_view;
  absl::Duration peer_error_window = absl::Seconds(30);
  // Cluster mode: the failure policy and its answers so far (null otherwise).
  std::function<StatusPeerFailure()> peer_failure;
  const mesh::Mesh* mesh = nullptr;              // mesh mode
  const rules::RuleStore* rules = nullptr;       // required
  const ReloadLog* reloads = nullptr;            // required
  const TopKeys* top_keys = nullptr;             // required
  absl::Duration top_keys_window = absl::Seconds(60);
  size_t top_k = 10;
};

class StatusCollector {
 public:
  explicit StatusCollector(StatusInputs inputs) : in_(std::move(inputs)) {}
  StatusReport Collect(int64_t now) const;

 private:
  const StatusInputs in_;
};

// The rules of every domain as trees, domains by name, descriptors in file order.
std::vector<StatusDomain> RulesTree(const rules::RuleSet& rules);
// The view's peers (local ones with their ring share, then other data centers), with each
// one's latest error since `errors_since` (epoch ms).
std::vector<StatusPeer> ClusterPeers(const cluster::ClusterView& view, int64_t errors_since);
// The mesh's members as peers (no ring: every node decides).
std::vector<StatusPeer> MeshPeers(const std::vector<mesh::MemberStatus>& members);

}  // namespace sluice::server
