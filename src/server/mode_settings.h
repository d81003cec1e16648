// ResolveMode: decides which mode a node runs in — standalone, a cluster whose peers come from
// static, dns, etcd or mesh (gossip) discovery, or mesh mode — and refuses every combination of
// settings that contradicts it, so no node starts quietly in a mode the operator did not ask
// for (issue 17: `--mesh --discovery etcd` used to ignore etcd).
//
// Contradictions are errors naming both settings with their sources ("flag --mesh",
// "variable GUBER_PEER_DISCOVERY_TYPE", "file a.yaml:3 (cluster.discovery)"):
//   * mesh mode with --discovery other than static, with any discovery backend's settings (DNS, etcd, k8s), or
//     with a setting of consistent-hash forwarding (batching, fail-open, peer TLS, data center)
//     or GLOBAL (mesh nodes forward nothing);
//   * a discovery backend's settings under another discovery (--dns-fqdn with etcd, static
//     --peers with dns, ...);
//   * seeds given twice (--peers and --mesh-seeds) for the gossip;
//   * gossip settings (node id, mesh addresses, seeds, intervals) when neither mesh mode nor
//     --discovery mesh is on.
// One exception keeps Hivemind's config.yaml working: its `mesh` section describes the mesh
// whether or not `mesh.enabled` turns it on, so gossip settings that come from a settings file
// while the mesh is off are ignored with a warning (the node is standalone, as Hivemind's is).
//
// Thread safety: a pure function of its arguments.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/config.h"

namespace sluice::server {

// `sources`: where each explicitly set option got its value, by its first long name
// (ParsedSettings::sources). Fills config.mesh.gossip.seeds (from --peers when only those are
// given) for the gossip, clears ignored file settings, and appends a warning for each ignored
// one.
absl::Status ResolveMode(Config& config, const std::map<std::string, std::string>& sources,
                         std::vector<std::string>& warnings);

}  // namespace sluice::server
