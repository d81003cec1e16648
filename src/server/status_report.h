// StatusReport: what the status page (GET /, GET /status.json) shows about a node, as plain
// data, and its JSON form (docs/operations.md#status-page). Filled from the live components by
// StatusCollector (status_collector.h); turned into JSON here, in one place, so the page's
// script and any tool read the same document.
//
// Thread safety: plain values and a pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/reload_log.h"
#include "server/top_keys.h"

namespace sluice::server {

// One effective setting that differs from its default; secrets already masked ("****").
struct StatusSetting {
  std::string name;    // the flag: "--cache-size"
  std::string value;   // "1234"
  std::string source;  // "variable GUBER_CACHE_SIZE", "file a.yaml:3 (...)", "flag --x"
};

// A cluster peer or mesh member as this node sees it.
struct StatusPeer {
  std::string address;      // gRPC address
  std::string data_center;  // "" for the local one
  bool self = false;
  // "self", "ok", "failing" (forwards failed within the error window), "remote" (another data
  // center), or a mesh state: "alive", "suspect", "dead", "left", "superseded".
  std::string state;
  std::string last_error;    // the latest recorded error, or ""
  double ring_share = -1.0;  // share of the keys it owns; < 0 when it owns none by a ring
};

// A cluster node's --on-peer-failure policy and the items answered under it since start
// (server/peer_failure_answers.h).
struct StatusPeerFailure {
  std::string policy;  // "error", "allow", "deny", "local"; "" when not in a cluster
  uint64_t answers = 0;
};

// One descriptor of a rules tree (envoyproxy/ratelimit's /rlconfig, as a tree).
struct StatusRule {
  std::string key;
  std::string value;  // "" for a default node
  std::string limit;  // "10/second", "unlimited", or "" for a node without a policy
  std::string algorithm;
  std::string name;  // the policy's name, or ""
  bool shadow_mode = false;
  int line = 0;
  std::vector<StatusRule> children;
};

struct StatusDomain {
  std::string name;
  std::string source;  // file
  int line = 0;
  std::vector<StatusRule> descriptors;
};

struct StatusReport {
  std::string version;
  // "standalone", "cluster (static)", "cluster (etcd)", ..., "mesh".
  std::string mode;
  std::string instance_id;
  std::string advertise_address;
  int64_t started_ms = 0;
  int64_t now_ms = 0;
  bool healthy = true;
  std::string health_message;
  std::vector<StatusSetting> settings;
  std::vector<StatusPeer> peers;
  StatusPeerFailure peer_failure;  // JSON null when policy is ""
  std::string rules_path;
  std::vector<StatusDomain> domains;
  std::vector<ReloadEntry> reloads;  // newest first
  TopKeysReport top_keys;
  int64_t top_keys_window_ms = 0;  // the window Top covers at most
};

// The report as one JSON object (field names in docs/operations.md#status-page).
std::string StatusJson(const StatusReport& report);

}  // namespace sluice::server
