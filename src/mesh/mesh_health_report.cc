#include "mesh/mesh_health_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sluice::mesh {

cluster::HealthReport MeshHealthReport(const MeshHealthInputs& in) {
  cluster::HealthReport report;
  report.advertise_address = in.advertise_address;
  report.local_peers = in.members;
  report.peer_count = static_cast<int>(in.members.size());
  std::vector<std::string> problems;
  const bool alone = in.members.size() <= 1;
  if (alone && !in.seeds.empty() && in.running_ms >= in.grace_ms) {
    report.healthy = false;
    if (in.ever_joined) {
      problems.push_back(absl::StrCat(
          "mesh: every peer is unreachable, this node decides alone and grants its own copy of "
          "every limit (dead: ",
          in.dead.empty() ? "none known" : absl::StrJoin(in.dead, ", "), ")"));
    } else {
      problems.push_back(absl::StrCat(
          "mesh: no seed answered in ", in.running_ms / 1000, " s (seeds: ",
          absl::StrJoin(in.seeds, ", "),
          "); this node decides alone. Check the seed addresses, --mesh-cluster-id and "
          "--mesh-secret-file: peers drop packets of another cluster id or key without a word"));
    }
  } else {
    if (!in.suspect.empty()) {
      problems.push_back(absl::StrCat("mesh: suspect: ", absl::StrJoin(in.suspect, ", ")));
    }
    if (!in.dead.empty()) {
      problems.push_back(absl::StrCat("mesh: dead: ", absl::StrJoin(in.dead, ", ")));
    }
  }
  if (!in.rejections.empty()) {
    problems.push_back(
        absl::StrCat("mesh: rejected datagrams: ", absl::StrJoin(in.rejections, "; ")));
  }
  report.message = absl::StrJoin(problems, "|");
  if (report.healthy && !report.message.empty()) {
    report.message = absl::StrCat("degraded: ", report.message);
  }
  return report;
}

}  // namespace sluice::mesh
