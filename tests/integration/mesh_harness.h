// MeshCluster: N real `sluice --mesh` processes on 127.0.0.1 for the mesh integration tests
// (docs/mesh.md). Node i is named "n<i>", gossips on its own UDP port and seeds to node 0; every
// node runs with --mesh-test-hooks so tests can partition it. Helpers read /v1/mesh/stats and
// talk to the Gubernator HTTP gateway.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testing/mesh_test_util.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"

namespace sluice::testing {

using mesh::FreeUdpPort;
using mesh::SendDatagram;

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Polls `condition` every 5 ms until it holds or `timeout_ms` passes.
inline bool Eventually(const std::function<bool()>& condition, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

// The integer after "field": in a JSON text (first occurrence), or -1.
inline int64_t JsonInt(const std::string& json, const std::string& field) {
  const std::string needle = "\"" + field + "\":";
  auto at = json.find(needle);
  if (at == std::string::npos) return -1;
  at += needle.size();
  if (at < json.size() && json[at] == '"') ++at;  // int64 as a string (grpc-gateway style)
  int64_t value = 0;
  bool any = false;
  while (at < json.size() && json[at] >= '0' && json[at] <= '9') {
    value = value * 10 + (json[at++] - '0');
    any = true;
  }
  return any ? value : -1;
}

class MeshCluster {
 public:
  // Starts `n` nodes; `extra_args` go to every node. Node 0 has no seeds; the others seed to it.
  explicit MeshCluster(int n, std::vector<std::string> extra_args = {})
      : extra_args_(std::move(extra_args)) {
    for (int i = 0; i < n; ++i) {
      nodes_.push_back(Node{.id = "n" + std::to_string(i), .udp_port = FreeUdpPort()});
    }
    for (int i = 0; i < n; ++i) Start(i);
  }

  bool ready() const {
    for (const auto& node : nodes_) {
      if (!node.process || !node.process->ready()) return false;
    }
    return true;
  }
  int size() const { return static_cast<int>(nodes_.size()); }
  SluiceProcess& process(int i) { return *nodes_[i].process; }
  const std::string& id(int i) const { return nodes_[i].id; }
  int udp_port(int i) const { return nodes_[i].udp_port; }
  std::string mesh_address(int i) const {
    return "127.0.0.1:" + std::to_string(nodes_[i].udp_port);
  }

  // (Re)starts node i on its previous ports (the first time: free ones).
  void Start(int i) {
    Node& node = nodes_[i];
    SluiceProcess::Options options;
    options.grpc_port = node.grpc_port;
    options.http_port = node.http_port;
    options.extra_args = {"--mesh",      "--node-id",     node.id,
                          "--mesh-addr", mesh_address(i), "--mesh-test-hooks"};
    if (i != 0) options.extra_args.insert(options.extra_args.end(), {"--peers", mesh_address(0)});
    options.extra_args.insert(options.extra_args.end(), extra_args_.begin(), extra_args_.end());
    node.process.reset();
    node.process = std::make_unique<SluiceProcess>(options);
    node.grpc_port = node.process->grpc_port();
    node.http_port = node.process->http_port();
  }
  // kill -9.
  void Kill(int i) { nodes_[i].process->Kill(); }

  std::string Stats(int i) { return HttpGet(process(i).http_url() + "/v1/mesh/stats").body; }
  int64_t Stat(int i, const std::string& field) { return JsonInt(Stats(i), field); }

  // Waits until every node counts `members` members.
  bool WaitForMembers(int64_t members, int timeout_ms = 10'000) {
    return Eventually(
        [&] {
          for (int i = 0; i < size(); ++i) {
            if (Stat(i, "members") != members) return false;
          }
          return true;
        },
        timeout_ms);
  }

  // Drops gossip to and from the given node ids at node i ("" heals).
  void Deny(int i, const std::string& node_ids) {
    HttpPost(process(i).http_url() + "/v1/mesh/deny", node_ids);
  }

  // Default window: a day. Windows are epoch-aligned, so a test's counts reset at a boundary;
  // with a one-minute default a ten-second test crossed one about once in six runs.
  static constexpr int64_t kDefaultDuration = 86'400'000;

  // A Gubernator token-bucket request through node i's HTTP gateway (mesh mode counts it in an
  // epoch-aligned window of `duration` ms). Returns the raw JSON answer.
  std::string Hit(int i, const std::string& key, int64_t hits, int64_t limit,
                  int64_t duration = kDefaultDuration) {
    return HttpPost(process(i).http_url() + "/v1/GetRateLimits",
                    "{\"requests\":[{\"name\":\"mesh\",\"unique_key\":\"" + key + "\",\"hits\":" +
                        std::to_string(hits) + ",\"limit\":" + std::to_string(limit) +
                        ",\"duration\":" + std::to_string(duration) + "}]}")
        .body;
  }
  int64_t Remaining(int i, const std::string& key, int64_t limit,
                    int64_t duration = kDefaultDuration) {
    return JsonInt(Hit(i, key, 0, limit, duration), "remaining");
  }

 private:
  struct Node {
    std::string id;
    int udp_port = 0;
    int grpc_port = 0;
    int http_port = 0;
    std::unique_ptr<SluiceProcess> process;
  };
  std::vector<std::string> extra_args_;
  std::vector<Node> nodes_;
};

}  // namespace sluice::testing
