// NodeStatus: a node's status-page parts in one place — the TopKeys sketch and the router that
// feeds it, the rule-reload log, and the collector behind GET /status.json — so the node
// builder only wraps its router, reports reloads, and binds the inputs once everything exists.
//
// Thread safety: construct and Bind() while the node is built (one thread); router(),
// reloads() and collector() from any thread afterwards.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/router.h"
#include "server/reload_log.h"
#include "server/status_collector.h"
#include "server/top_keys.h"
#include "server/top_keys_router.h"

namespace sluice::server {

// The settings a status page lists: each changed setting (values already masked) with its source.
std::vector<StatusSetting> StatusSettings(const std::map<std::string, std::string>& changed,
                                          const std::map<std::string, std::string>& sources);

class NodeStatus {
 public:
  // `router`: the node's router; the doors use router() instead, which counts top keys.
  explicit NodeStatus(cluster::Router& router, TopKeysOptions top_keys = {});

  cluster::Router& router() { return top_keys_router_; }
  ReloadLog& reloads() { return reloads_; }
  const TopKeys& top_keys() const { return top_keys_; }

  // Completes `inputs` with this object's parts and makes the collector. Call once.
  void Bind(StatusInputs inputs);
  // Null before Bind().
  const StatusCollector* collector() const { return collector_ ? &*collector_ : nullptr; }

 private:
  const TopKeysOptions top_keys_options_;
  TopKeys top_keys_;
  TopKeysRouter top_keys_router_;
  ReloadLog reloads_;
  std::optional<StatusCollector> collector_;
};

}  // namespace sluice::server
