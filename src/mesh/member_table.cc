#include "mesh/member_table.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace sluice::mesh {

const char* NodeStateName(NodeState state) {
  switch (state) {
    case NodeState::kAlive:
      return "alive";
    case NodeState::kSuspect:
      return "suspect";
    case NodeState::kDead:
      return "dead";
    case NodeState::kLeft:
      return "left";
    case NodeState::kSuperseded:
      return "superseded";
  }
  return "unknown";
}

MemberTable::MemberTable(NodeInfo self, Options options, int64_t now) : options_(options) {
  OriginId id = self.id;
  Member member{.info = std::move(self), .last_heard = now, .confirmed = true, .state_since = now};
  self_ = &members_.emplace(id, std::move(member)).first->second;
  index_.emplace(std::move(id), self_);
  self_->listed = IsMember(*self_);
}

Member* MemberTable::Learn(const NodeInfo& info, uint64_t heartbeat, int64_t now) {
  if (info.id.node_id.empty() || info.id == self_->info.id) return nullptr;
  if (Member* known = Find(info.id)) {
    Member& member = *known;
    // Addresses only ever come from the node itself (relayed verbatim), so take the latest.
    if (!info.mesh_address.empty() && info.mesh_address != member.info.mesh_address) {
      member.info.mesh_address = info.mesh_address;
      member.cookie = 0;
      ++generation_;
    }
    if (!info.grpc_address.empty() && info.grpc_address != member.info.grpc_address) {
      member.info.grpc_address = info.grpc_address;
      list_dirty_ = list_dirty_ || member.listed;
      ++generation_;
    }
    member.info.http_address = info.http_address;
    return &member;
  }
  if (members_.size() >= options_.max_members) return nullptr;
  if (info.id.node_id == self_->info.id.node_id &&
      info.id.incarnation > self_->info.id.incarnation) {
    ++id_conflicts_;
  }
  Member member{.info = info, .heartbeat = heartbeat, .last_heard = now, .state_since = now};
  // Lives of the same node id: only the latest incarnation can be a member.
  for (auto other = members_.lower_bound(OriginId{info.id.node_id, 0});
       other != members_.end() && other->first.node_id == info.id.node_id; ++other) {
    if (&other->second == self_) continue;
    if (other->first.incarnation < info.id.incarnation) {
      other->second.superseded = true;
    } else {
      member.superseded = true;
    }
  }
  if (info.id.node_id == self_->info.id.node_id &&
      info.id.incarnation < self_->info.id.incarnation) {
    member.superseded = true;  // this node's own previous life
  }
  member.state = StateAt(member, now);
  if (Gone(member.state)) oldest_gone_since_ = std::min(oldest_gone_since_, now);
  Member* learned = &members_.emplace(info.id, std::move(member)).first->second;
  index_.emplace(info.id, learned);
  ++generation_;
  order_dirty_ = true;
  return learned;
}

MemberTable::Room MemberTable::MakeRoom(absl::FunctionRef<bool(const OriginId&)> keep) {
  if (members_.size() < options_.max_members) return Room{.fits = true};
  auto victim = members_.end();
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    const Member& member = it->second;
    if (&member == self_ || IsMember(member) || keep(it->first)) continue;
    if (victim == members_.end() || member.state_since < victim->second.state_since) victim = it;
  }
  if (victim == members_.end()) return Room{};
  Room room{.fits = true, .evicted = victim->first};
  if (on_drop_) on_drop_(victim->second);
  list_dirty_ = list_dirty_ || victim->second.listed;
  index_.erase(victim->first);
  members_.erase(victim);
  ++generation_;
  order_dirty_ = true;
  return room;
}

Member* MemberTable::Find(const OriginId& id) {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : it->second;
}

const Member* MemberTable::Find(const OriginId& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : it->second;
}

Member* MemberTable::Find(OriginRef id) {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : it->second;
}

const Member* MemberTable::Find(OriginRef id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : it->second;
}

bool MemberTable::ObserveHeartbeat(Member& member, uint64_t heartbeat, int64_t now) {
  if (&member == self_ || heartbeat <= member.heartbeat) return false;
  member.heartbeat = heartbeat;
  member.last_heard = now;
  member.confirmed = true;
  if (!member.suspected || heartbeat <= member.suspected_heartbeat) return false;
  member.suspected = false;
  return true;
}

bool MemberTable::ObserveContact(Member& member, int64_t now) {
  if (&member == self_) return false;
  member.last_heard = now;
  member.confirmed = true;
  return std::exchange(member.suspected, false);
}

bool MemberTable::Suspect(Member& member, uint64_t heartbeat, int64_t now) {
  if (&member == self_ || member.suspected || !member.confirmed || member.left ||
      member.superseded || heartbeat < member.heartbeat) {
    return false;
  }
  member.suspected = true;
  member.suspected_heartbeat = heartbeat;
  member.suspected_since = now;
  return true;
}

void MemberTable::Vouch(Member& member, int64_t now) {
  if (&member == self_ || member.confirmed) return;
  member.confirmed = true;
  member.last_heard = now;
}

void MemberTable::MarkLeft(Member& member) {
  if (&member != self_) member.left = true;
}

NodeState MemberTable::StateAt(const Member& member, int64_t now) const {
  if (member.left) return NodeState::kLeft;
  if (member.superseded) return NodeState::kSuperseded;
  if (&member == self_) return NodeState::kAlive;
  if (by_probes_) {
    if (!member.suspected) return NodeState::kAlive;
    return now - member.suspected_since <= options_.suspicion_timeout_ms ? NodeState::kSuspect
                                                                         : NodeState::kDead;
  }
  const int64_t silent = now - member.last_heard;
  if (silent <= options_.suspicion_timeout_ms) return NodeState::kAlive;
  if (silent <= 2 * options_.suspicion_timeout_ms) return NodeState::kSuspect;
  return NodeState::kDead;
}

bool MemberTable::Gone(NodeState state) {
  return state == NodeState::kDead || state == NodeState::kLeft ||
         state == NodeState::kSuperseded;
}

bool MemberTable::IsMember(const Member& member) const {
  return member.confirmed &&
         (member.state == NodeState::kAlive || member.state == NodeState::kSuspect);
}

bool MemberTable::Tick(int64_t now) {
  bool changed = std::exchange(list_dirty_, false);
  member_count_ = 0;
  oldest_gone_since_ = std::numeric_limits<int64_t>::max();
  if (std::exchange(order_dirty_, false)) {  // an entry came or went since the last Tick
    order_.clear();
    for (auto& entry : members_) order_.push_back(&entry.second);
  }
  // Every entry, every round: through a vector, fetching the entries a few ahead, since a
  // walk of the map waited for each node in turn (a big mesh's entries are not in cache).
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < order_.size(); ++i) {
    if (i + kAhead < order_.size()) __builtin_prefetch(&order_[i + kAhead]->heartbeat);
    Member& member = *order_[i];
    NodeState state = StateAt(member, now);
    if (state != member.state) {
      member.state = state;
      member.state_since = now;
      ++generation_;
    }
    if (Gone(member.state)) oldest_gone_since_ = std::min(oldest_gone_since_, member.state_since);
    const bool listed = IsMember(member);
    member_count_ += listed ? 1 : 0;
    if (listed != member.listed) {
      member.listed = listed;
      changed = true;
      ++generation_;
    }
  }
  return changed;
}

std::vector<OriginId> MemberTable::Forget(int64_t now,
                                          absl::FunctionRef<bool(const OriginId&)> keep) {
  std::vector<OriginId> forgotten;
  // Nothing gone long enough (a big mesh's usual case): no walk over every entry.
  if (oldest_gone_since_ == std::numeric_limits<int64_t>::max() ||
      now - oldest_gone_since_ < options_.forget_after_ms) {
    return forgotten;
  }
  oldest_gone_since_ = std::numeric_limits<int64_t>::max();
  for (auto it = members_.begin(); it != members_.end();) {
    const Member& member = it->second;
    const bool gone = Gone(member.state);
    if (&member != self_ && gone && now - member.state_since >= options_.forget_after_ms &&
        !keep(it->first)) {
      forgotten.push_back(it->first);
      if (on_drop_) on_drop_(member);
      list_dirty_ = list_dirty_ || member.listed;
      index_.erase(it->first);
      it = members_.erase(it);
      ++generation_;
      order_dirty_ = true;
    } else {
      if (gone) oldest_gone_since_ = std::min(oldest_gone_since_, member.state_since);
      ++it;
    }
  }
  return forgotten;
}

}  // namespace sluice::mesh
