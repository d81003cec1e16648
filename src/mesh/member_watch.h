// MemberWatch: turns the failure detector's judgements into membership events an operator can
// read in the log — a node joined, became suspect, was declared dead, came back, left, or was
// replaced by a restart — by comparing each MemberTable snapshot with the previous one.
//
// Only confirmed nodes produce events (a node learned second hand and never heard from is not
// news). Pure: no I/O, no clock; the runtime logs what Changes returns. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mesh/member_table.h"

namespace sluice::mesh {

struct MemberEvent {
  NodeInfo node;
  NodeState state = NodeState::kAlive;  // the new state
  bool joined = false;                  // first seen alive (else a change of state)
  bool warning = false;                 // suspect or dead: worth a warning
  std::string text;                     // "node b (incarnation 7, mesh 10.0.0.2:7946) is dead"
};

class MemberWatch {
 public:
  // The events since the previous call (none for this node itself).
  std::vector<MemberEvent> Changes(const MemberTable& table, int64_t suspicion_timeout_ms);

  // Whether any other node has ever been a member.
  bool ever_joined() const { return ever_joined_; }

 private:
  std::map<OriginId, NodeState> known_;  // confirmed nodes, by their last reported state
  bool ever_joined_ = false;
};

}  // namespace sluice::mesh
