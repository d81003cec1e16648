// Membership: the one seam every peer-discovery source implements (static list, DNS, etcd, mesh
// gossip). A source reports the whole peer list through one callback; the owner of the source
// builds a new Ring from each list and swaps it in (DESIGN.md §5). Nothing downstream knows how
// members were found.
//
// Callback contract, for every implementation:
//  * on_change receives the full new peer list, including this node (is_self set via MarkSelf)
//    whenever the source knows it. It is called once as soon as a first list is known (possibly
//    inline from Start) and afterwards only when the list changes.
//  * Calls are serialized: on_change never runs concurrently with itself. Each implementation
//    documents which thread calls it (Start's caller and/or the source's own thread).
//  * No call starts after Stop() returns, and Stop() waits for a running call to finish, so
//    on_change must not call Stop() and must not block on anything Stop's caller holds.
//  * on_change should be quick (build a ring, swap a pointer); slow work delays discovery.
//
// Thread safety: Start and Stop are called by the owner, Start at most once, Stop any number of
// times (later calls are no-ops; Stop without Start is allowed). Destroying a started source
// stops it.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "cluster/peer_info.h"

namespace sluice::cluster {

// Receives the full peer list on every change. See the contract above.
using PeersChangedCallback = std::function<void(std::vector<PeerInfo>)>;

class Membership {
 public:
  virtual ~Membership();

  // Begins discovery. Returns an error (and never calls on_change) if the source's configuration
  // is invalid or it is already started. Discovery failures after a successful Start are not
  // errors here: the source keeps its last good list and retries.
  virtual absl::Status Start(PeersChangedCallback on_change) = 0;

  // Ends discovery: leaves the cluster where the mechanism has a notion of it, stops threads, and
  // guarantees on_change is not running and will not be called again.
  virtual void Stop() = 0;
};

// Sets is_self on exactly the peers whose grpc_address equals `advertise_address` and clears it
// on all others. Self is recognised by the advertise address (what peers dial), never by the bind
// address (0.0.0.0:1051 names no peer). Exact string comparison, as Gubernator does.
void MarkSelf(std::vector<PeerInfo>& peers, std::string_view advertise_address);

}  // namespace sluice::cluster
