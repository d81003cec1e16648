// MeshMetrics: what the mesh counts — gossip datagrams and bytes by direction, the datagrams it
// discards or cannot send by reason, its local decisions, and what the protocol engine did
// (EngineStats, gossip_engine.h) — registered on the Registry that /metrics renders. The mesh
// bumps these counters and nothing beside them: /v1/mesh/stats reads the same counters
// (Mesh::stats()), so each packet is counted once.
//
// The node registers one in every mode, so each family exists, at 0, from the first scrape
// (alerts need not special-case modes) and hands it to Mesh::Start.
//
// Thread safety: after construction every method may be called from any thread concurrently;
// recording takes no lock. The Registry must outlive this object.
#pragma once

#include <array>
#include <cstddef>

#include "mesh/codec.h"
#include "mesh/gossip_engine.h"
#include "obs/counter.h"
#include "obs/registry.h"

namespace sluice::mesh {

struct MeshMetrics {
  explicit MeshMetrics(obs::Registry& registry);

  // One datagram of `bytes` handed to the socket / read from it (good or bad).
  void RecordSent(size_t bytes) const;
  void RecordReceived(size_t bytes) const;
  // One datagram discarded for `reason`.
  void RecordDropped(DropReason reason) const { dropped[static_cast<size_t>(reason)]->Increment(); }
  // One local decision: an error item, else over or under the limit.
  void RecordDecision(bool error, bool over_limit) const;

  obs::Counter* packets_sent;      // sluice_gossip_packets_total{direction="sent"}
  obs::Counter* packets_received;  // sluice_gossip_packets_total{direction="received"}
  obs::Counter* bytes_sent;        // sluice_gossip_bytes_total{direction="sent"}
  obs::Counter* bytes_received;    // sluice_gossip_bytes_total{direction="received"}
  // sluice_gossip_dropped_packets_total{reason=DropReasonName(reason)}, by DropReason.
  std::array<obs::Counter*, kDropReasonCount> dropped;
  obs::Counter* dropped_denied;  // sluice_gossip_dropped_packets_total{reason="denied"}: test hook
  obs::Counter* send_errors;     // sluice_gossip_unsent_packets_total{reason="send_error"}
  obs::Counter* unresolved;      // sluice_gossip_unsent_packets_total{reason="unresolved"}
  obs::Counter* admitted;        // sluice_mesh_local_decisions_total{result="admitted"}
  obs::Counter* rejected;        // sluice_mesh_local_decisions_total{result="rejected"}
  obs::Counter* errors;          // sluice_mesh_local_decisions_total{result="error"}
  EngineStats engine;            // the protocol engine's (GossipEngine::CountInto)
};

}  // namespace sluice::mesh
