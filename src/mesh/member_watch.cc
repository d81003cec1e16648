#include "mesh/member_watch.h"

#include "absl/strings/str_cat.h"

namespace sluice::mesh {
namespace {

std::string Describe(const NodeInfo& node) {
  return absl::StrCat("node ", node.id.node_id, " (incarnation ", node.id.incarnation, ", mesh ",
                      node.mesh_address.empty() ? "?" : node.mesh_address, ", gRPC ",
                      node.grpc_address.empty() ? "?" : node.grpc_address, ")");
}

std::string Why(NodeState state, int64_t suspicion_timeout_ms) {
  switch (state) {
    case NodeState::kAlive:
      return "is alive again";
    case NodeState::kSuspect:
      return absl::StrCat("is suspect: no heartbeat for more than ", suspicion_timeout_ms, " ms");
    case NodeState::kDead:
      return absl::StrCat("is dead: no heartbeat for more than ", 2 * suspicion_timeout_ms,
                          " ms; its counts keep counting until their windows end");
    case NodeState::kLeft:
      return "left the mesh";
    case NodeState::kSuperseded:
      return "was restarted (a later incarnation of it is known)";
  }
  return "";
}

}  // namespace

std::vector<MemberEvent> MemberWatch::Changes(const MemberTable& table,
                                              int64_t suspicion_timeout_ms) {
  std::vector<MemberEvent> events;
  std::map<OriginId, NodeState> now;
  for (const auto& [id, member] : table.entries()) {
    if (&member == &table.self() || !member.confirmed) continue;
    now[id] = member.state;
    auto before = known_.find(id);
    if (before == known_.end()) {
      if (member.state != NodeState::kAlive) continue;  // learned already gone: not news
      ever_joined_ = true;
      events.push_back(MemberEvent{.node = member.info,
                                   .state = member.state,
                                   .joined = true,
                                   .text = absl::StrCat(Describe(member.info), " joined")});
      continue;
    }
    if (before->second == member.state) continue;
    events.push_back(MemberEvent{
        .node = member.info,
        .state = member.state,
        .warning = member.state == NodeState::kSuspect || member.state == NodeState::kDead,
        .text = absl::StrCat(Describe(member.info), " ", Why(member.state, suspicion_timeout_ms))});
  }
  known_ = std::move(now);
  return events;
}

}  // namespace sluice::mesh
