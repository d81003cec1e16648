// MeshMembership: the mesh's live members as a cluster::Membership source, so a ring (cluster
// forwarding with --discovery mesh) can use gossip discovery like Gubernator's member-list.
// Each PeerInfo is a member's advertised gRPC (and HTTP) address as carried in gossip; this
// node is included with is_self set.
//
// on_change runs inline from Start with the current list, then on the mesh's I/O thread after
// each change (joins, leaves, deaths, address changes). Stop waits for a running call.
//
// Thread safety: as cluster::Membership. The Mesh must outlive this object.
#pragma once

#include "cluster/membership.h"
#include "mesh/mesh.h"

namespace sluice::mesh {

class MeshMembership final : public cluster::Membership {
 public:
  explicit MeshMembership(Mesh& mesh) : mesh_(mesh) {}
  ~MeshMembership() override;

  absl::Status Start(cluster::PeersChangedCallback on_change) override;
  void Stop() override;

 private:
  Mesh& mesh_;
  bool started_ = false;
  int handle_ = 0;
};

}  // namespace sluice::mesh
