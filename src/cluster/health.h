// Health: what a node reports to V1.HealthCheck (reference/gubernator.md §3.7), as a plain value.
// Each mode has a HealthSource (ClusterHealth, mesh::MeshHealth, StandaloneHealth); the door
// stamps `now` and turns the report into the wire message (api/health.h), in one place.
//
// Thread safety: Report() may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/peer_info.h"

namespace sluice::cluster {

struct HealthReport {
  bool healthy = true;
  std::string message;  // empty when healthy
  int peer_count = 0;
  std::string advertise_address;  // "" when this node is not a local peer
  std::vector<PeerInfo> local_peers;
  std::vector<PeerInfo> region_peers;
};

class HealthSource {
 public:
  virtual ~HealthSource() = default;
  // The report at `now` (epoch ms).
  virtual HealthReport Report(int64_t now) const = 0;
};

// A node with no peers: always healthy, itself its only peer.
class StandaloneHealth final : public HealthSource {
 public:
  explicit StandaloneHealth(std::string advertise_address)
      : advertise_address_(std::move(advertise_address)) {}
  HealthReport Report(int64_t now) const override;

 private:
  const std::string advertise_address_;
};

}  // namespace sluice::cluster
