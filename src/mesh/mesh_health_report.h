// MeshHealthReport: the honest health of a mesh node, as a plain cluster::HealthReport.
//
// A mesh node decides locally, so a missing peer does not stop it answering — but a node that
// is alone while it was told of seeds grants its own copy of every limit, which is the silent
// wrong mode this report exists to expose (issue 17). So:
//  * unhealthy: no other member, seeds configured, and the start-up grace has passed — either
//    no seed ever answered (wrong address, another --mesh-cluster-id or --mesh-secret-file: the
//    seeds drop our packets without a word), or every peer has since died;
//  * healthy with a message (degraded): some members suspect, some nodes dead, or datagrams
//    from peers rejected here (auth, wrong_cluster, version) recently;
//  * healthy with no message otherwise.
// peer_count and local_peers are the members, this node included.
//
// Pure: a function of its inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/health.h"
#include "cluster/peer_info.h"

namespace sluice::mesh {

struct MeshHealthInputs {
  std::string advertise_address;            // this node's gRPC advertise address
  std::vector<cluster::PeerInfo> members;   // this node included
  std::vector<std::string> seeds;           // configured seeds other than this node
  std::vector<std::string> suspect;         // descriptions of suspect members
  std::vector<std::string> dead;            // descriptions of dead nodes still known
  std::vector<std::string> rejections;      // recent rejected datagrams, described
  bool ever_joined = false;                 // another node has been a member since start
  int64_t running_ms = 0;                   // since the mesh started
  int64_t grace_ms = 0;                     // how long joining may take
};

cluster::HealthReport MeshHealthReport(const MeshHealthInputs& in);

}  // namespace sluice::mesh
