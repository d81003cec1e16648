#include "mesh/mesh_membership.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace sluice::mesh {

MeshMembership::~MeshMembership() { Stop(); }

absl::Status MeshMembership::Start(cluster::PeersChangedCallback on_change) {
  if (started_) return absl::FailedPreconditionError("mesh membership already started");
  started_ = true;
  // The mesh reports after every round that changed something; pass on real changes only.
  auto last = std::make_shared<std::optional<std::vector<cluster::PeerInfo>>>();
  handle_ = mesh_.Subscribe(
      [on_change = std::move(on_change), last](std::vector<cluster::PeerInfo> peers) {
        if (*last && **last == peers) return;
        *last = peers;
        on_change(std::move(peers));
      });
  return absl::OkStatus();
}

void MeshMembership::Stop() {
  if (handle_ == 0) return;
  mesh_.Unsubscribe(handle_);
  handle_ = 0;
}

}  // namespace sluice::mesh
