#include "mesh/mesh_metrics.h"

#include <string>
#include <string_view>

namespace sluice::mesh {
namespace {

constexpr std::string_view kPackets = "Mesh gossip packets, by direction (sent or received).";
constexpr std::string_view kBytes = "Mesh gossip payload bytes, by direction (sent or received).";
constexpr std::string_view kDropped =
    "Mesh gossip packets discarded, by reason (denied: the test hooks' deny list).";

obs::Counter* Dropped(obs::Registry& r, std::string_view reason) {
  return r.AddCounter("sluice_gossip_dropped_packets_total", kDropped,
                      {{"reason", std::string(reason)}});
}

}  // namespace

MeshMetrics::MeshMetrics(obs::Registry& r)
    : packets_sent(r.AddCounter("sluice_gossip_packets_total", kPackets, {{"direction", "sent"}})),
      packets_received(
          r.AddCounter("sluice_gossip_packets_total", kPackets, {{"direction", "received"}})),
      bytes_sent(r.AddCounter("sluice_gossip_bytes_total", kBytes, {{"direction", "sent"}})),
      bytes_received(
          r.AddCounter("sluice_gossip_bytes_total", kBytes, {{"direction", "received"}})),
      dropped_denied(Dropped(r, "denied")) {
  // Every reason's series exists, at 0, from the first scrape.
  for (size_t i = 0; i < dropped.size(); ++i) {
    dropped[i] = Dropped(r, DropReasonName(static_cast<DropReason>(i)));
  }
}

void MeshMetrics::RecordSent(size_t bytes) const {
  packets_sent->Increment();
  bytes_sent->Increment(bytes);
}

void MeshMetrics::RecordReceived(size_t bytes) const {
  packets_received->Increment();
  bytes_received->Increment(bytes);
}

}  // namespace sluice::mesh
