#include "mesh/mesh_http.h"

#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sluice::mesh {
namespace {

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string StatsJson(const Mesh& mesh) {
  const MeshStats s = mesh.stats();
  const EngineStats& e = s.engine;
  std::string out = absl::StrCat(
      "{\"node_id\":", Quote(mesh.node_id()), ",\"incarnation\":", mesh.incarnation(),
      ",\"advertise_address\":", Quote(mesh.advertise_address()), ",\"windows\":", s.windows,
      ",\"slots\":", s.slots, ",\"members\":", s.members, ",\"suspect\":", s.suspect,
      ",\"dead\":", s.dead, ",\"id_conflicts\":", s.id_conflicts,
      ",\"packets_sent\":", s.packets_sent, ",\"bytes_sent\":", s.bytes_sent,
      ",\"packets_received\":", s.packets_received, ",\"bytes_received\":", s.bytes_received,
      ",\"dropped_total\":", s.dropped_total(), ",\"dropped\":{");
  for (int i = 0; i < kDropReasonCount; ++i) {
    absl::StrAppend(&out, i ? "," : "", Quote(DropReasonName(static_cast<DropReason>(i))), ":",
                    s.dropped[i]);
  }
  absl::StrAppend(
      &out, "},\"dropped_denied\":", s.dropped_denied, ",\"send_errors\":", s.send_errors,
      ",\"unresolved\":", s.unresolved, ",\"rounds\":", e.rounds, ",\"pushes\":", e.pushes,
      ",\"syns_received\":", e.syns_received, ",\"digests_received\":", e.digests_received,
      ",\"deltas_received\":", e.deltas_received, ",\"leaves_received\":", e.leaves_received,
      ",\"own_packets\":", e.own_packets, ",\"slots_applied\":", e.slots_applied,
      ",\"slots_unchanged\":", e.slots_unchanged, ",\"slots_expired\":", e.slots_expired,
      ",\"slots_invalid\":", e.slots_invalid, ",\"slots_rejected_full\":", e.slots_rejected_full,
      ",\"windows_collected\":", e.windows_collected, ",\"nodes_forgotten\":", e.nodes_forgotten,
      ",\"admitted\":", s.admitted, ",\"rejected\":", s.rejected, ",\"errors\":", s.errors,
      ",\"nodes\":[");
  bool first = true;
  for (const MemberStatus& m : mesh.Members()) {
    absl::StrAppend(
        &out, first ? "" : ",", "{\"node_id\":", Quote(m.info.id.node_id),
        ",\"incarnation\":", m.info.id.incarnation, ",\"state\":", Quote(NodeStateName(m.state)),
        ",\"member\":", m.member ? "true" : "false",
        ",\"confirmed\":", m.confirmed ? "true" : "false", ",\"self\":", m.self ? "true" : "false",
        ",\"heartbeat\":", m.heartbeat, ",\"max_version\":", m.max_version,
        ",\"mesh_address\":", Quote(m.info.mesh_address),
        ",\"grpc_address\":", Quote(m.info.grpc_address), "}");
    first = false;
  }
  out += "]}";
  return out;
}

void AddMeshRoutes(api::HttpServer& server, Mesh& mesh, bool test_hooks) {
  server.Route("GET", "/v1/mesh/stats", [&mesh](const api::HttpRequest&, api::HttpRespond respond) {
    respond(api::HttpResponse{.body = StatsJson(mesh)});
  });
  if (!test_hooks) return;
  server.Route("POST", "/v1/mesh/deny",
               [&mesh](const api::HttpRequest& req, api::HttpRespond respond) {
                 std::vector<std::string> ids;
                 for (auto part : absl::StrSplit(req.body, ',', absl::SkipWhitespace())) {
                   ids.emplace_back(absl::StripAsciiWhitespace(part));
                 }
                 const size_t count = ids.size();
                 mesh.SetDeniedNodes(std::move(ids));
                 respond(api::HttpResponse{.body = absl::StrCat("{\"denied\":", count, "}")});
               });
}

}  // namespace sluice::mesh
