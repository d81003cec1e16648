#include "mesh/mesh_http.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/json_string.h"

namespace sluice::mesh {
std::string StatsJson(const Mesh& mesh) {
  const MeshStats s = mesh.stats();
  const EngineStats& e = *s.engine;
  std::string out = absl::StrCat(
      "{\"node_id\":", common::JsonString(mesh.node_id()), ",\"incarnation\":", mesh.incarnation(),
      ",\"advertise_address\":", common::JsonString(mesh.advertise_address()), ",\"windows\":", s.windows,
      ",\"slots\":", s.slots, ",\"members\":", s.members, ",\"suspect\":", s.suspect,
      ",\"dead\":", s.dead, ",\"id_conflicts\":", s.id_conflicts,
      ",\"packets_sent\":", s.packets_sent, ",\"bytes_sent\":", s.bytes_sent,
      ",\"packets_received\":", s.packets_received, ",\"bytes_received\":", s.bytes_received,
      ",\"dropped_total\":", s.dropped_total(), ",\"dropped\":{");
  for (int i = 0; i < kDropReasonCount; ++i) {
    absl::StrAppend(&out, i ? "," : "", common::JsonString(DropReasonName(static_cast<DropReason>(i))), ":",
                    s.dropped[i]);
  }
  absl::StrAppend(&out, "},\"dropped_denied\":", s.dropped_denied,
                  ",\"send_errors\":", s.send_errors, ",\"unresolved\":", s.unresolved);
  // The engine's counters (the same ones /metrics exports), keys in their established order.
  const std::pair<const char*, const obs::CounterRef*> engine[] = {
      {"rounds", &e.rounds},
      {"pushes", &e.pushes},
      {"syns_received", &e.syns_received},
      {"digests_received", &e.digests_received},
      {"deltas_received", &e.deltas_received},
      {"leaves_received", &e.leaves_received},
      {"own_packets", &e.own_packets},
      {"slots_applied", &e.slots_applied},
      {"slots_unchanged", &e.slots_unchanged},
      {"slots_expired", &e.slots_expired},
      {"slots_invalid", &e.slots_invalid},
      {"slots_rejected_full", &e.slots_rejected_full},
      {"slots_rejected_key_full", &e.slots_rejected_key_full},
      {"challenges_sent", &e.challenges_sent},
      {"challenges_withheld", &e.challenges_withheld},
      {"challenges_accepted", &e.challenges_accepted},
      {"sends_withheld", &e.sends_withheld},
      {"members_evicted", &e.members_evicted},
      {"members_refused", &e.members_refused},
      {"windows_collected", &e.windows_collected},
      {"nodes_forgotten", &e.nodes_forgotten},
  };
  for (const auto& [name, counter] : engine) {
    absl::StrAppend(&out, ",\"", name, "\":", counter->value());
  }
  absl::StrAppend(&out, ",\"admitted\":", s.admitted, ",\"rejected\":", s.rejected,
                  ",\"errors\":", s.errors, ",\"nodes\":[");
  bool first = true;
  for (const MemberStatus& m : mesh.Members()) {
    absl::StrAppend(
        &out, first ? "" : ",", "{\"node_id\":", common::JsonString(m.info.id.node_id),
        ",\"incarnation\":", m.info.id.incarnation, ",\"state\":", common::JsonString(NodeStateName(m.state)),
        ",\"member\":", m.member ? "true" : "false",
        ",\"confirmed\":", m.confirmed ? "true" : "false", ",\"self\":", m.self ? "true" : "false",
        ",\"heartbeat\":", m.heartbeat, ",\"max_version\":", m.max_version,
        ",\"mesh_address\":", common::JsonString(m.info.mesh_address),
        ",\"grpc_address\":", common::JsonString(m.info.grpc_address), "}");
    first = false;
  }
  out += "]}";
  return out;
}

net::HttpHandler MeshStatsHttpHandler(const Mesh& mesh) {
  return [&mesh](const net::HttpRequest&, net::HttpRespond respond) {
    respond(net::HttpResponse{.body = StatsJson(mesh)});
  };
}

net::HttpHandler MeshDenyHttpHandler(Mesh& mesh) {
  return [&mesh](const net::HttpRequest& req, net::HttpRespond respond) {
    std::vector<std::string> ids;
    for (auto part : absl::StrSplit(req.body, ',', absl::SkipWhitespace())) {
      ids.emplace_back(absl::StripAsciiWhitespace(part));
    }
    const size_t count = ids.size();
    mesh.SetDeniedNodes(std::move(ids));
    respond(net::HttpResponse{.body = absl::StrCat("{\"denied\":", count, "}")});
  };
}

}  // namespace sluice::mesh
