// PeerClientOptions: how a node forwards to key owners — batching and the deadlines of
// forwarding and GLOBAL calls (reference/gubernator.md §3.4). A plain value the server's Config
// holds as it is (server/config.h) and hands to MakeGrpcPeerClientFactory.
//
// Thread safety: plain value type and a pure function.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cluster/peer_client.h"

namespace sluice::cluster {

struct PeerClientOptions {
  // Wait after the first queued item before a batch is sent (GUBER_BATCH_WAIT). Default: 500 µs.
  absl::Duration batch_wait = absl::Microseconds(500);
  // Items that make a batch full (GUBER_BATCH_LIMIT); 1..1000. Default: 1000.
  int batch_limit = kMaxPeerBatch;
  // Deadline of each forwarding RPC (GUBER_BATCH_TIMEOUT). Default: 500 ms.
  absl::Duration batch_timeout = absl::Milliseconds(500);
  // Send every forwarded item alone (GUBER_DISABLE_BATCHING). Default: false.
  bool disable_batching = false;
  // Deadline of GLOBAL hit sends and broadcasts (GUBER_GLOBAL_TIMEOUT). Default: 500 ms.
  absl::Duration global_timeout = absl::Milliseconds(500);
};

// InvalidArgument naming the bad field.
absl::Status ValidatePeerClientOptions(const PeerClientOptions& options);

}  // namespace sluice::cluster
