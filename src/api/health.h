// HealthReporter: what V1.HealthCheck reports (reference/gubernator.md §3.7). The door asks it;
// the cluster layer implements it from its view of the peers.
//
// Thread safety: Fill() may be called from any thread concurrently.
#pragma once

#include <string>

#include "gubernator.pb.h"

namespace sluice::api {

class HealthReporter {
 public:
  virtual ~HealthReporter() = default;
  // Fills status ("healthy"/"unhealthy"), message, peer_count, advertise_address, local_peers.
  virtual void Fill(pb::gubernator::HealthCheckResp* resp) const = 0;
};

// A node with no peers: always healthy, itself its only peer.
class StandaloneHealth final : public HealthReporter {
 public:
  explicit StandaloneHealth(std::string advertise_address)
      : advertise_address_(std::move(advertise_address)) {}
  void Fill(pb::gubernator::HealthCheckResp* resp) const override;

 private:
  std::string advertise_address_;
};

}  // namespace sluice::api
