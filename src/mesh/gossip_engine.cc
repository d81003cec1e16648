#include "mesh/gossip_engine.h"

#include <google/protobuf/io/coded_stream.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace sluice::mesh {
namespace {

using google::protobuf::io::CodedOutputStream;

// Bytes a length-delimited field of `size` bytes takes (field numbers below 16).
size_t FieldBytes(size_t size) { return 1 + CodedOutputStream::VarintSize64(size) + size; }

void SetWire(const NodeInfo& info, wire::NodeInfo& out) {
  out.set_node_id(info.id.node_id);
  out.set_incarnation(info.id.incarnation);
  out.set_mesh_address(info.mesh_address);
  out.set_grpc_address(info.grpc_address);
  out.set_http_address(info.http_address);
}

wire::NodeInfo ToWire(const NodeInfo& info) {
  wire::NodeInfo out;
  SetWire(info, out);
  return out;
}

// The node described by `in`, or nullopt when it breaks the size caps.
std::optional<NodeInfo> FromWire(const wire::NodeInfo& in) {
  if (in.node_id().empty() || in.node_id().size() > kMaxNodeIdBytes || in.incarnation() == 0 ||
      in.mesh_address().size() > kMaxAddressBytes || in.grpc_address().size() > kMaxAddressBytes ||
      in.http_address().size() > kMaxAddressBytes) {
    return std::nullopt;
  }
  return NodeInfo{.id = OriginId{in.node_id(), in.incarnation()},
                  .mesh_address = in.mesh_address(),
                  .grpc_address = in.grpc_address(),
                  .http_address = in.http_address()};
}

// The first 8 bytes of HMAC-SHA256(key, text), never 0.
uint64_t KeyedHash(const std::string& key, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | digest[i];
  return value == 0 ? 1 : value;
}

bool InRange(const std::string& node_id, const wire::Digest& digest) {
  return node_id >= digest.range_start() &&
         (digest.range_end().empty() || node_id < digest.range_end());
}

}  // namespace

// Packs OriginDeltas into Delta packets of at most `budget` bytes, at most `max_packets` of
// them. Sizes are counted conservatively as fields are added (length prefixes of nested
// messages at their 2-byte maximum for datagram-sized messages, to_version at 10 bytes).
class GossipEngine::DeltaWriter {
 public:
  DeltaWriter(const wire::NodeInfo& sender, size_t budget, size_t max_packets)
      : sender_(sender), budget_(budget), max_packets_(max_packets) {
    wire::Packet empty;
    *empty.mutable_sender() = sender_;
    empty.mutable_delta();
    base_size_ = empty.ByteSizeLong() + 2;
  }

  bool full() const { return packets_.size() >= max_packets_; }

  // Adds `member`'s slot updates with a version above `since`, claiming completeness up to
  // `watermark` (what this node knows of that origin). Returns the version up to which the
  // updates were written (`since` when nothing could be).
  // `vouched`: this node has `member` as a member (probing meshes only).
  uint64_t Add(const Member& member, uint64_t heartbeat, bool left, const CounterTable& counters,
               uint64_t since, uint64_t watermark, bool vouched = false) {
    // Built again for each datagram the origin's updates span (rarely more than one): the
    // first takes it instead of a copy.
    auto make_header = [&] {
      wire::OriginDelta header;
      SetWire(member.info, *header.mutable_node());
      header.set_heartbeat(heartbeat);
      header.set_left(left);
      header.set_vouched(vouched);
      return header;
    };
    wire::OriginDelta header = make_header();
    header_bytes_ = header.ByteSizeLong();
    uint64_t from = since;
    uint64_t last = since;
    wire::OriginDelta* od = Start(std::move(header), from);
    if (od == nullptr) return since;
    bool cut = false;
    uint64_t reached = since;
    auto write = [&](const SlotView& view) {
      WireUpdate update(view);
      const size_t bytes = update.DeltaBytes();
      if (size_ + bytes > budget_) {
        const uint64_t to = std::max(from, std::min(last, watermark));
        od->set_to_version(to);
        Close();
        from = to;
        od = full() ? nullptr : Start(make_header(), from);
        if (od == nullptr || size_ + bytes > budget_) {
          if (od != nullptr) od->set_to_version(from);
          cut = true;
          reached = to;
          return false;
        }
      }
      std::move(update).AppendTo(*od);
      size_ += bytes;
      last = view.version;
      return true;
    };
    const uint64_t offered = counters.VisitSince(member.info.id, since, write, member.counters);
    if (cut) return reached;
    const uint64_t to = std::max(from, std::min(watermark, offered));
    od->set_to_version(to);
    return to;
  }

  std::vector<wire::Packet> Take() {
    Close();
    return std::move(packets_);
  }

 private:
  // Opens an OriginDelta in the current packet (or a fresh one); nullptr when out of packets
  // or when it cannot fit even an empty packet.
  wire::OriginDelta* Start(wire::OriginDelta header, uint64_t from) {
    // The header's size with from_version set and to_version at its largest (one-byte tags;
    // proto3 leaves a 0 from_version out), plus the length prefix.
    const size_t bytes = header_bytes_ + (from == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(from)) +
                         1 + CodedOutputStream::VarintSize64(std::numeric_limits<uint64_t>::max()) +
                         3;
    if (current_ != nullptr && size_ + bytes > budget_) Close();
    if (current_ == nullptr) {
      if (full() || base_size_ + bytes > budget_) return nullptr;
      current_ = std::make_unique<wire::Packet>();
      *current_->mutable_sender() = sender_;
      current_->mutable_delta();
      size_ = base_size_;
    }
    wire::OriginDelta* od = current_->mutable_delta()->add_origins();
    *od = std::move(header);
    od->set_from_version(from);
    size_ += bytes;
    return od;
  }

  void Close() {
    if (current_ == nullptr) return;
    packets_.push_back(std::move(*current_));
    current_.reset();
  }

  const wire::NodeInfo& sender_;
  size_t budget_;
  size_t max_packets_;
  size_t base_size_ = 0;
  size_t header_bytes_ = 0;  // the current Add's header (from and to versions unset)
  size_t size_ = 0;
  std::unique_ptr<wire::Packet> current_;
  std::vector<wire::Packet> packets_;
};

CounterTable::Options CounterOptionsFor(const MeshOptions& options) {
  return CounterTable::Options{.self = OriginId{options.node_id, options.incarnation},
                               .max_windows = options.max_windows,
                               .gc_grace_ms = options.gc_grace_ms,
                               .max_slots_per_key = options.max_slots_per_key};
}

GossipEngine::GossipEngine(const MeshOptions& options, size_t body_budget, int64_t now,
                           CounterTable& counters)
    : options_(options),
      body_budget_(body_budget),
      counters_(counters),
      members_(NodeInfo{.id = OriginId{options.node_id, options.incarnation},
                        .mesh_address = options.advertise_address,
                        .grpc_address = options.grpc_address,
                        .http_address = options.http_address},
               MemberTable::Options{.suspicion_timeout_ms = options.suspicion_timeout_ms,
                                    .forget_after_ms = 10 * options.suspicion_timeout_ms,
                                    .max_members = options.max_members},
               now),
      rng_(options.rng_seed) {
  self_wire_ = ToWire(members_.self().info);
  cookie_key_ = options.cookie_key.empty()
                    ? absl::StrCat("test-key/", options.node_id, "/", options.incarnation, "/",
                                   options.rng_seed)
                    : options.cookie_key;
  token_ = KeyedHash(cookie_key_, "token");
  members_.OnDrop([this](const Member& member) { ForgetEntry(member); });
  // Three epochs per suspicion timeout: a life whose news misses a node once or twice is
  // still not suspect there.
  beat_epoch_ = static_cast<uint64_t>(
      std::max<int64_t>(1, options_.suspicion_timeout_ms /
                               (3 * std::max<int64_t>(1, options_.gossip_interval_ms))));
}

uint64_t GossipEngine::CookieFor(const wire::NodeInfo& node) const {
  auto it = cookie_cache_.find(OriginRef{node.node_id(), node.incarnation()});
  if (it != cookie_cache_.end() && it->second.mesh_address == node.mesh_address()) {
    return it->second.cookie;
  }
  const uint64_t cookie = KeyedHash(
      cookie_key_,
      absl::StrCat(node.mesh_address(), "\n", node.node_id(), "\n", node.incarnation()));
  if (it != cookie_cache_.end()) {
    it->second = CachedCookie{.mesh_address = node.mesh_address(), .cookie = cookie};
    return cookie;
  }
  // Bounded: a flood of forged senders only costs recomputing the HMAC.
  if (cookie_cache_.size() >= 2 * options_.max_members) cookie_cache_.clear();
  cookie_cache_.emplace(OriginId{node.node_id(), node.incarnation()},
                        CachedCookie{.mesh_address = node.mesh_address(), .cookie = cookie});
  return cookie;
}

size_t GossipEngine::DatagramBytes(const wire::Packet& packet) const {
  return packet.ByteSizeLong() + (kMaxDatagramBytes - body_budget_ - kStampBytes);
}

std::optional<Outgoing> GossipEngine::ChallengeFor(const wire::Packet& packet,
                                                   size_t datagram_bytes) {
  const wire::NodeInfo& sender = packet.sender();
  Outgoing o{.address = sender.mesh_address(), .node_id = sender.node_id()};
  o.packet.mutable_sender()->set_node_id(self_wire_.node_id());
  o.packet.mutable_sender()->set_incarnation(self_wire_.incarnation());
  o.packet.mutable_sender()->set_mesh_address(self_wire_.mesh_address());
  o.packet.mutable_challenge()->set_cookie(CookieFor(sender));
  o.packet.mutable_challenge()->set_echo_token(packet.token());
  o.packet.set_token(token_);
  o.packet.set_echo(~uint64_t{0});  // sized at its largest: Stamp may set a cookie
  const size_t bytes = DatagramBytes(o.packet);
  if (sender.mesh_address().empty() || sender.mesh_address().size() > kMaxAddressBytes ||
      bytes > kMaxAmplification * datagram_bytes || bytes > challenge_budget_ ||
      !challenged_.insert(sender.mesh_address()).second) {
    ++stats_.challenges_withheld;
    return std::nullopt;
  }
  o.packet.clear_echo();
  challenge_budget_ -= bytes;
  ++stats_.challenges_sent;
  return o;
}

std::vector<Outgoing> GossipEngine::AcceptChallenge(const wire::Packet& packet, int64_t now) {
  const wire::NodeInfo& sender = packet.sender();
  if (cookies_.size() >= options_.max_members && !cookies_.contains(sender.node_id())) {
    cookies_.erase(cookies_.begin());  // bounded; a dropped cookie costs one more challenge
  }
  cookies_[sender.node_id()] = packet.challenge().cookie();
  ++stats_.challenges_accepted;
  // Say hello again at once with the cookie, so a join takes round trips, not rounds.
  std::vector<Outgoing> out;
  const std::string& address = sender.mesh_address();
  if (address.empty() || address.size() > kMaxAddressBytes ||
      greeted_.size() >= kMaxHellosPerRound || !greeted_.insert(address).second) {
    return out;
  }
  Outgoing& o = out.emplace_back();
  o.address = address;
  o.node_id = sender.node_id();
  *o.packet.mutable_sender() = self_wire_;
  // In a big mesh, only this node's own entry: the peer asks for it if it lacks it, and a whole
  // changed-only syn per new peer made joining 1000 nodes cost O(N) per handshake.
  std::vector<wire::Digest> syn = BuildSyn(now, /*self_only=*/true);
  *o.packet.mutable_syn() = std::move(syn.front());
  return out;
}

void GossipEngine::Stamp(std::vector<Outgoing>& out) {
  // A packet without the receiver's cookie is dropped there unread: it can only earn this node
  // a Challenge, and one packet per receiver does that. So the rest are withheld (at a
  // 1000-node start, three in four deltas were catch-up replies to peers that had not
  // challenged this node yet). A Challenge needs no cookie.
  absl::InlinedVector<std::string_view, 4> unverified;  // addresses, in `out`'s kept packets
  size_t kept = 0;
  for (Outgoing& o : out) {
    auto it = cookies_.find(o.node_id);
    const bool unread = it == cookies_.end() && !o.packet.has_challenge();
    if (unread && absl::c_linear_search(unverified, o.address)) {
      ++stats_.sends_withheld;
      continue;
    }
    o.packet.set_token(token_);
    if (it != cookies_.end()) o.packet.set_echo(it->second);
    Outgoing& slot = out[kept++];
    if (&slot != &o) slot = std::move(o);
    if (unread) unverified.push_back(slot.address);
  }
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(kept), out.end());
}

Member* GossipEngine::Admit(const NodeInfo& info, uint64_t heartbeat, int64_t now) {
  if (members_.Find(info.id) == nullptr) {
    MemberTable::Room room =
        members_.MakeRoom([this](const OriginId& id) { return counters_.HasSlots(id); });
    if (room.evicted) ++stats_.members_evicted;  // ForgetEntry dropped what it had here
    if (!room.fits) {
      ++stats_.members_refused;
      return nullptr;
    }
  }
  const bool known = members_.Find(info.id) != nullptr;
  Member* member = members_.Learn(info, heartbeat, now);
  if (member != nullptr && !known) NoteChange(info.id, now);
  return member;
}

Member* GossipEngine::Known(const wire::NodeInfo& node) {
  Member* member = members_.Find(OriginRef{node.node_id(), node.incarnation()});
  if (member == nullptr || member->info.mesh_address != node.mesh_address() ||
      member->info.grpc_address != node.grpc_address() ||
      member->info.http_address != node.http_address()) {
    return nullptr;
  }
  return member;
}

bool GossipEngine::InDigest(const Member& member, int64_t now) const {
  if (&member == &members_.self()) return true;
  if (member.state == NodeState::kAlive || member.state == NodeState::kSuspect) return true;
  // Gone: still listed while its slots count, and for a while so the news spreads.
  return counters_.HasSlots(member.info.id) ||
         now - member.state_since < 2 * options_.suspicion_timeout_ms;
}

bool GossipEngine::Vouches(const Member& member) const {
  return probing() && members_.IsMember(member);
}

wire::DigestEntry GossipEngine::EntryOf(const Member& member) const {
  wire::DigestEntry entry;
  entry.set_node_id(member.info.id.node_id);
  entry.set_incarnation(member.info.id.incarnation);
  entry.set_heartbeat(member.heartbeat);
  entry.set_max_version(counters_.Watermark(member.info.id, member.counters));
  entry.set_left(member.left);
  entry.set_suspect(probing() && member.suspected);
  return entry;
}

std::vector<wire::Digest> GossipEngine::BuildDigest(int64_t now) const {
  wire::Packet shell;
  *shell.mutable_sender() = self_wire_;
  const size_t range_bytes = 2 * FieldBytes(kMaxNodeIdBytes);
  const size_t budget = body_budget_ - shell.ByteSizeLong() - 3 - range_bytes;

  std::vector<wire::Digest> parts(1);
  size_t size = 0;
  const auto& entries = members_.entries();
  for (auto it = entries.begin(); it != entries.end();) {
    // One node id's lives stay in one part: ranges are over node ids.
    const std::string& node_id = it->first.node_id;
    std::vector<wire::DigestEntry> group;
    size_t group_size = 0;
    for (; it != entries.end() && it->first.node_id == node_id; ++it) {
      const Member& member = it->second;
      if (!InDigest(member, now)) continue;
      group.push_back(EntryOf(member));
      // 0: not seen alive here yet (learned second hand); a peer that has seen it says so in
      // its wants answer.
      if (!member.confirmed) group.back().set_heartbeat(0);
      group_size += FieldBytes(group.back().ByteSizeLong());
    }
    if (group.empty()) continue;
    if (size > 0 && size + group_size > budget) {
      parts.back().set_range_end(node_id);
      parts.emplace_back().set_range_start(node_id);
      size = 0;
    }
    for (auto& entry : group) {
      const size_t bytes = FieldBytes(entry.ByteSizeLong());
      if (size + bytes > budget) break;  // only with absurdly many lives of one node id
      size += bytes;
      *parts.back().add_entries() = std::move(entry);
    }
  }
  return parts;
}

std::vector<wire::Digest> GossipEngine::BuildSyn(int64_t now, bool self_only) const {
  // Probing meshes always send changed-only syns: they carry the probe flag (and a whole digest
  // never fits one datagram above the default probe_above_lives anyway).
  if (members_.size() <= kWholeDigestMaxLives && !probing()) {
    std::vector<wire::Digest> whole = BuildDigest(now);
    if (whole.size() == 1) return whole;
  }
  return BuildChangedDigest(now, self_only);
}

std::vector<wire::Digest> GossipEngine::BuildChangedDigest(int64_t now, bool self_only) const {
  wire::Packet shell;
  *shell.mutable_sender() = self_wire_;
  // 3: the syn's length prefix; 3 more: changed_only (field 40 takes a 2-byte tag); probing
  // meshes 3 more for probe and 7 for lives.
  const size_t budget = body_budget_ - shell.ByteSizeLong() - 3 - 3 - (probing() ? 3 + 7 : 0);
  std::vector<wire::Digest> parts(1);
  parts.back().set_changed_only(true);
  size_t size = 0;
  // False once the syn is full.
  auto add = [&](const Member& member) {
    wire::DigestEntry entry = EntryOf(member);
    if (!member.confirmed) entry.set_heartbeat(0);
    const size_t bytes = FieldBytes(entry.ByteSizeLong());
    if (size + bytes > budget) {
      if (parts.size() >= kMaxSynParts) return false;
      parts.emplace_back().set_changed_only(true);
      size = 0;
    }
    size += bytes;
    *parts.back().add_entries() = std::move(entry);
    return true;
  };
  const Member& self_member = members_.self();
  add(self_member);
  if (self_only) return parts;
  parts.front().set_probe(probing());
  if (probing()) parts.front().set_lives(static_cast<uint32_t>(members_.member_count()));
  for (const OriginId& id : listed_) {
    auto listing = listings_.find(id);
    const Member* member = members_.Find(id);
    if (listing == listings_.end() || listing->second.until < now || member == nullptr ||
        member == &self_member || !InDigest(*member, now)) {
      continue;
    }
    if (!add(*member)) return parts;
  }
  const auto& entries = members_.entries();
  auto it = entries.upper_bound(slice_cursor_);
  for (size_t seen = 0; seen < kSliceEntries && seen < entries.size(); ++seen, ++it) {
    if (it == entries.end()) it = entries.begin();
    const auto listing = listings_.find(it->first);
    const bool listed = listing != listings_.end() && listing->second.until >= now;
    if (&it->second == &self_member || listed || !InDigest(it->second, now)) continue;
    if (!add(it->second)) break;
  }
  return parts;
}

void GossipEngine::NoteChange(const OriginId& id, int64_t now) {
  Listing& listing = listings_[id];
  listing.until = now + kListedRounds * options_.gossip_interval_ms;
  if (!listing.queued) {
    listing.queued = true;
    listed_.push_back(id);
  }
}

void GossipEngine::NoteHeartbeat(const Member& member, int64_t now) {
  if (probing()) return;  // heartbeats are not relayed: only suspicions and refutations are
  auto it = listings_.find(member.info.id);
  if (it != listings_.end() && member.heartbeat < it->second.heartbeat + beat_epoch_) return;
  NoteChange(member.info.id, now);
  listings_[member.info.id].heartbeat = member.heartbeat;
}

void GossipEngine::AgeListings(int64_t now) {
  std::erase_if(listed_, [&](const OriginId& id) {
    auto it = listings_.find(id);
    if (it == listings_.end()) return true;
    // A life learned second hand stays listed (heartbeat 0) until seen alive: a peer that has
    // seen it says so in its wants answer, which is how a joiner confirms a big mesh quickly.
    const Member* member = members_.Find(id);
    if (member != nullptr && !member->confirmed && InDigest(*member, now)) {
      it->second.until = now + options_.gossip_interval_ms;
    }
    if (it->second.until >= now) return false;
    it->second.queued = false;
    return true;
  });
  const auto& entries = members_.entries();
  if (entries.empty()) return;
  auto it = entries.upper_bound(slice_cursor_);
  for (size_t i = 0; i < kSliceEntries; ++i, ++it) {
    if (it == entries.end()) it = entries.begin();
    slice_cursor_ = it->first;
  }
}

void GossipEngine::ApplyDigest(const wire::Digest& digest, int64_t now) {
  for (const auto& entry : digest.entries()) {
    Member* member = members_.Find(OriginRef{entry.node_id(), entry.incarnation()});
    if (member == nullptr) continue;  // learned from a delta, which carries its addresses
    if (members_.ObserveHeartbeat(*member, entry.heartbeat(), now)) NoteChange(member->info.id, now);
    NoteHeartbeat(*member, now);
    if (probing()) ApplySuspicion(*member, entry, now);
    if (entry.left() && !member->left) {
      members_.MarkLeft(*member);
      NoteChange(member->info.id, now);
    }
  }
}

void GossipEngine::ApplySuspicion(Member& member, const wire::DigestEntry& entry, int64_t now) {
  if (entry.vouched() && !member.confirmed) {
    members_.Vouch(member, now);
    NoteChange(member.info.id, now);
  }
  if (entry.suspect() && members_.Suspect(member, entry.heartbeat(), now)) {
    NoteChange(member.info.id, now);  // relay the rumor
  }
}

std::vector<const Member*> GossipEngine::JudgeProbes(int64_t now) {
  std::vector<const Member*> again;
  std::vector<OriginId> suspects;
  std::erase_if(probes_, [&](std::pair<OriginId, int>& probe) {
    const Member* member = members_.Find(probe.first);
    if (member == nullptr || member->info.mesh_address.empty() ||
        (member->state != NodeState::kAlive && member->state != NodeState::kSuspect)) {
      return true;
    }
    if (++probe.second < kProbeAttempts) {
      again.push_back(member);
      return false;
    }
    suspects.push_back(probe.first);
    return true;
  });
  for (const OriginId& id : suspects) {
    Member* member = members_.Find(id);
    if (members_.Suspect(*member, member->heartbeat, now)) NoteChange(id, now);
  }
  return again;
}

std::vector<wire::Packet> GossipEngine::AnswerChangedDigest(const wire::Digest& digest,
                                                            int64_t now) {
  DeltaWriter writer(self_wire_, body_budget_, kMaxReplyPackets);
  const int n = digest.entries_size();
  if (n == 0) return writer.Take();
  const int start = static_cast<int>(rotation_++ % static_cast<size_t>(n));
  for (int k = 0; k < n && !writer.full(); ++k) {
    const wire::DigestEntry& entry = digest.entries((start + k) % n);
    const Member* member = members_.Find(OriginRef{entry.node_id(), entry.incarnation()});
    if (member == nullptr || !InDigest(*member, now)) continue;
    const uint64_t watermark = counters_.Watermark(member->info.id, member->counters);
    if (watermark <= entry.max_version()) continue;
    writer.Add(*member, member->heartbeat, member->left, counters_, entry.max_version(),
               watermark, Vouches(*member));
  }
  return writer.Take();
}

std::vector<wire::Packet> GossipEngine::AnswerDigest(const wire::Digest& digest, int64_t now) {
  if (digest.changed_only()) return AnswerChangedDigest(digest, now);
  absl::flat_hash_map<OriginId, const wire::DigestEntry*> peer;
  for (const auto& entry : digest.entries()) {
    peer[OriginId{entry.node_id(), entry.incarnation()}] = &entry;
  }
  // Only the part's node-id range: a digest of N nodes comes in ~N/25 parts, and scanning every
  // member for each part made answering one digest O(N²/25).
  std::vector<const Member*> candidates;
  const auto& entries = members_.entries();
  for (auto it = entries.lower_bound(OriginId{digest.range_start(), 0});
       it != entries.end() && InRange(it->first.node_id, digest); ++it) {
    if (InDigest(it->second, now)) candidates.push_back(&it->second);
  }
  if (candidates.empty()) return {};
  std::rotate(candidates.begin(), candidates.begin() + (rotation_++ % candidates.size()),
              candidates.end());

  DeltaWriter writer(self_wire_, body_budget_, kMaxReplyPackets);
  for (const Member* member : candidates) {
    if (writer.full()) break;
    const uint64_t watermark = counters_.Watermark(member->info.id, member->counters);
    auto known = peer.find(member->info.id);
    if (known != peer.end() && watermark <= known->second->max_version()) continue;
    const uint64_t since = known == peer.end() ? 0 : known->second->max_version();
    writer.Add(*member, member->heartbeat, member->left, counters_, since, watermark,
               Vouches(*member));
  }
  return writer.Take();
}

std::vector<wire::Packet> GossipEngine::CatchUp(const wire::Digest& syn, size_t max_packets) {
  if (!syn.changed_only() || syn.lives() == 0 || syn.lives() >= members_.member_count()) {
    return {};
  }
  DeltaWriter writer(self_wire_, body_budget_, max_packets);
  const auto& entries = members_.entries();
  auto it = entries.upper_bound(catch_up_cursor_);
  const OriginId* last = nullptr;
  for (size_t seen = 0; seen < entries.size() && !writer.full(); ++seen, ++it) {
    if (it == entries.end()) it = entries.begin();
    const Member& member = it->second;
    if (&member == &members_.self() || !members_.IsMember(member)) continue;
    const uint64_t watermark = counters_.Watermark(member.info.id, member.counters);
    // Header only: the range (watermark, watermark] has no slots; the peer asks for them.
    writer.Add(member, member.heartbeat, member.left, counters_, watermark, watermark,
               /*vouched=*/true);
    last = &it->first;
  }
  // Where the next rotation resumes, copied once instead of per entry (one cut short by a full
  // writer comes next rotation).
  if (last != nullptr) catch_up_cursor_ = *last;
  return writer.Take();
}

std::optional<wire::Digest> GossipEngine::WantsDigest(const wire::Digest& syn) const {
  wire::Packet shell;
  *shell.mutable_sender() = self_wire_;
  shell.mutable_digest()->set_wants_only(true);
  shell.mutable_digest()->set_range_start(syn.range_start());
  shell.mutable_digest()->set_range_end(syn.range_end());
  const Member& self_member = members_.self();
  *shell.mutable_digest()->add_entries() = EntryOf(self_member);
  size_t size = shell.ByteSizeLong() + 3;
  bool wanted = syn.probe();  // a probe is answered even when nothing is lacking
  for (const auto& entry : syn.entries()) {
    if (!InRange(entry.node_id(), syn)) continue;
    if (entry.node_id().empty() || entry.incarnation() == 0) continue;
    wire::DigestEntry want;
    const Member* member = members_.Find(OriginRef{entry.node_id(), entry.incarnation()});
    if (member == &self_member) continue;
    if (member == nullptr) {
      want.set_node_id(entry.node_id());  // unknown here: all of it, from version 0
      want.set_incarnation(entry.incarnation());
    } else if (counters_.Watermark(member->info.id, member->counters) < entry.max_version() ||
               (entry.heartbeat() == 0 && member->confirmed && member->heartbeat > 0)) {
      // Lacks updates here; or news for the peer, which has not seen that node alive yet (it
      // becomes a member there once this heartbeat is above the one it learned).
      want = EntryOf(*member);
      want.set_vouched(Vouches(*member));
    } else {
      continue;
    }
    const size_t bytes = FieldBytes(want.ByteSizeLong());
    if (size + bytes > body_budget_) break;  // the rest is asked in a later exchange
    size += bytes;
    *shell.mutable_digest()->add_entries() = std::move(want);
    wanted = true;
  }
  if (!wanted) return std::nullopt;
  return std::move(*shell.mutable_digest());
}

std::vector<wire::Packet> GossipEngine::AnswerWants(const wire::Digest& wants,
                                                    const OriginId& peer, int64_t now) {
  DeltaWriter writer(self_wire_, body_budget_, kMaxReplyPackets);
  for (const auto& entry : wants.entries()) {
    if (writer.full()) break;
    const Member* member = members_.Find(OriginRef{entry.node_id(), entry.incarnation()});
    if (member == nullptr || member->info.id == peer) continue;  // peer's: its heartbeat
    if (!InDigest(*member, now)) continue;
    const uint64_t watermark = counters_.Watermark(member->info.id, member->counters);
    const uint64_t since = entry.max_version();
    // An unknown life (since 0) is sent even without slots: its header makes it known.
    if (since != 0 && watermark <= since) continue;
    writer.Add(*member, member->heartbeat, member->left, counters_, since, watermark,
               Vouches(*member));
  }
  return writer.Take();
}

void GossipEngine::ApplyDelta(const wire::Delta& delta, bool relayed, int64_t now) {
  // Counted here and added once per delta: a counter add is an atomic on a shared cell.
  struct {
    uint64_t applied = 0;
    uint64_t unchanged = 0;
    uint64_t expired = 0;
    uint64_t full = 0;
    uint64_t key_full = 0;
    uint64_t invalid = 0;
  } slots;
  // Each origin's node info is a chain of separate allocations (message, strings, id bytes):
  // started for all origins at once here, the loads overlap instead of stalling Known below
  // one origin at a time.
  for (const auto& od : delta.origins()) {
    const wire::NodeInfo& node = od.node();
    __builtin_prefetch(node.node_id().data());
    __builtin_prefetch(&node.mesh_address());
    __builtin_prefetch(&node.grpc_address());
    __builtin_prefetch(&node.http_address());
  }
  delta_members_.assign(delta.origins_size(), nullptr);
  for (int i = 0; i < delta.origins_size(); ++i) {
    const wire::OriginDelta& od = delta.origins(i);
    Member* member = Known(od.node());
    if (member == nullptr) {
      auto info = FromWire(od.node());
      if (!info) {
        stats_.slots_invalid += std::max(1, od.slots_size());
        continue;
      }
      if (info->id == self().id) continue;
      member = Admit(*info, od.heartbeat(), now);
      if (member == nullptr) continue;  // no room: its slots are offered again later
    }
    if (member == &members_.self()) continue;  // this node is the only writer of its slots
    delta_members_[i] = member;
    const OriginId& id = member->info.id;
    if (members_.ObserveHeartbeat(*member, od.heartbeat(), now)) NoteChange(id, now);
    NoteHeartbeat(*member, now);
    if (probing() && od.vouched() && !member->confirmed) members_.Vouch(*member, now);
    if (od.left() && !member->left) {
      members_.MarkLeft(*member);
      NoteChange(id, now);
    }
    bool refused = false;
    const Updates updates = UpdatesOf(od);
    // Merged, and (from, to] marked delivered unless a slot was refused (it must be offered
    // again).
    const uint64_t before = counters_.MergeRange(id, member->counters, updates, od.from_version(),
                                                 od.to_version(), now, [&](MergeResult result) {
      switch (result) {
        case MergeResult::kApplied:
          ++slots.applied;
          break;
        case MergeResult::kUnchanged:
        case MergeResult::kOwn:
          ++slots.unchanged;
          break;
        case MergeResult::kExpired:
          ++slots.expired;
          break;
        case MergeResult::kFull:
          ++slots.full;
          refused = true;
          break;
        case MergeResult::kKeyFull:
          ++slots.key_full;
          refused = true;
          break;
        case MergeResult::kInvalid:
          ++slots.invalid;
          break;
      }
    });
    if (!refused && od.to_version() >= od.from_version()) {
      // Raised: news to relay, unless relays bring it to every member. Held back by a gap
      // (updates before from_version never came): listed too, with the watermark held back, so
      // the peers synned next send the gap.
      const bool raised = Deliver(id, before, od.from_version(), od.to_version()) > before;
      if ((raised && !relayed) || od.from_version() > before) NoteChange(id, now);
    }
  }
  stats_.slots_applied += slots.applied;
  stats_.slots_unchanged += slots.unchanged;
  stats_.slots_expired += slots.expired;
  stats_.slots_rejected_full += slots.full;
  stats_.slots_rejected_key_full += slots.key_full;
  stats_.slots_invalid += slots.invalid;
}

uint64_t GossipEngine::Deliver(const OriginId& origin, uint64_t watermark, uint64_t from,
                               uint64_t to) {
  CounterTable::ExtendWatermark(watermark, from, to);  // as MergeRange did
  if (!probing()) return watermark;  // small meshes: the gap is asked for (unchanged behaviour)
  if (watermark < from) {  // a gap: hold the range for when it fills
    auto& held = held_[origin];
    if (held.size() < kMaxHeldRanges) held.emplace_back(from, to);
    return watermark;
  }
  if (held_.empty()) return watermark;
  auto it = held_.find(origin);
  if (it == held_.end()) return watermark;
  for (bool raised = true; raised;) {
    raised = false;
    std::erase_if(it->second, [&](const std::pair<uint64_t, uint64_t>& range) {
      if (range.second <= watermark) return true;  // covered already
      if (range.first > watermark) return false;
      counters_.AdvanceWatermark(origin, range.first, range.second);
      watermark = counters_.Watermark(origin);
      raised = true;
      return true;
    });
  }
  if (it->second.empty()) held_.erase(it);
  return watermark;
}

Received GossipEngine::Receive(wire::Packet packet, size_t datagram_bytes, int64_t now) {
  Received result;
  delta_members_.clear();  // filled by ApplyDelta: merged_members()
  const OriginRef sender_ref{packet.sender().node_id(), packet.sender().incarnation()};
  if (LifeEq{}(sender_ref, self().id)) {
    ++stats_.own_packets;
    return result;
  }
  if (packet.has_challenge()) {
    if (packet.challenge().echo_token() != token_ || packet.challenge().cookie() == 0) {
      result.dropped = DropReason::kUnverified;  // answers no packet of this life
      return result;
    }
    result.replies = AcceptChallenge(packet, now);
    Stamp(result.replies);
    return result;
  }
  // A known sender's cookie is kept on its entry: one lookup per packet instead of two.
  Member* sender = Known(packet.sender());
  uint64_t cookie = 0;
  if (sender != nullptr) {
    if (sender->cookie == 0) sender->cookie = CookieFor(packet.sender());
    cookie = sender->cookie;
  } else {
    cookie = CookieFor(packet.sender());
  }
  if (packet.echo() == 0 || packet.echo() != cookie) {
    result.dropped = DropReason::kUnverified;
    if (auto challenge = ChallengeFor(packet, datagram_bytes)) {
      result.replies.push_back(std::move(*challenge));
      Stamp(result.replies);
    }
    return result;
  }
  if (sender == nullptr) {
    auto info = FromWire(packet.sender());
    if (!info) {
      ++stats_.slots_invalid;
      return result;
    }
    sender = Admit(*info, 0, now);
    if (sender == nullptr) {
      result.dropped = DropReason::kMembersFull;
      return result;
    }
  }
  const OriginId& sender_id = sender->info.id;
  if (members_.ObserveContact(*sender, now)) NoteChange(sender_id, now);
  std::erase_if(probes_, [&](const auto& probe) { return probe.first == sender_id; });
  std::vector<wire::Packet> replies;
  switch (packet.body_case()) {
    case wire::Packet::kSyn:
      ++stats_.syns_received;
      ApplyDigest(packet.syn(), now);
      replies = AnswerDigest(packet.syn(), now);
      if (probing() && replies.size() < kMaxReplyPackets) {
        for (auto& p : CatchUp(packet.syn(), kMaxReplyPackets - replies.size())) {
          replies.push_back(std::move(p));
        }
      }
      if (std::optional<wire::Digest> wants = WantsDigest(packet.syn())) {
        wire::Packet& reply = replies.emplace_back();
        *reply.mutable_sender() = self_wire_;
        *reply.mutable_digest() = std::move(*wants);
      }
      break;
    case wire::Packet::kDigest:
      ++stats_.digests_received;
      ApplyDigest(packet.digest(), now);
      replies = packet.digest().wants_only() ? AnswerWants(packet.digest(), sender_id, now)
                                             : AnswerDigest(packet.digest(), now);
      break;
    case wire::Packet::kDelta: {
      ++stats_.deltas_received;
      wire::Delta& delta = *packet.mutable_delta();
      if (delta.relay_id() != 0 && !AckRelay(delta, packet.sender(), packet.token())) break;
      ApplyDelta(delta, /*relayed=*/probing() && delta.relay_span() > 0, now);
      if (delta.relay_span() > 1) QueueRelays(std::move(delta));
      break;
    }
    case wire::Packet::kRelayAck:
      for (uint64_t id : packet.relay_ack().relay_ids()) unacked_.erase(id);
      break;
    case wire::Packet::kLeave:
      ++stats_.leaves_received;
      members_.MarkLeft(*sender);
      break;
    case wire::Packet::kChallenge:
    case wire::Packet::BODY_NOT_SET:
      break;
  }
  result.replies.reserve(replies.size());
  for (auto& reply : replies) {
    result.replies.push_back(Outgoing{
        .address = packet.sender().mesh_address(), .node_id = packet.sender().node_id(),
        .packet = std::move(reply)});
  }
  Stamp(result.replies);
  return result;
}

std::string GossipEngine::NodeIdAt(const std::string& address) const {
  for (const auto& [id, member] : members_.entries()) {
    if (member.info.mesh_address == address && &member != &members_.self()) return id.node_id;
  }
  return {};
}

std::vector<Outgoing> GossipEngine::Round(int64_t now) {
  ++stats_.rounds;
  challenge_budget_ = kChallengeBudgetBytes;
  challenged_.clear();
  greeted_.clear();
  members_.Beat();
  if (!probing() && members_.size() > options_.probe_above_lives) members_.JudgeByProbes();
  stats_.windows_collected += counters_.Collect(now);
  if (members_.Tick(now)) membership_changed_ = true;
  // ForgetEntry drops what each forgotten one had here.
  stats_.nodes_forgotten +=
      members_.Forget(now, [this](const OriginId& id) { return counters_.HasSlots(id); }).size();
  // A safety net (Forget and MakeRoom drop their origins' bookkeeping already), so not every
  // round: Origins() copies every origin's id.
  if (stats_.rounds % 16 == 0) {
    for (const OriginId& id : counters_.Origins()) {
      if (members_.Find(id) == nullptr) counters_.ForgetOrigin(id);
    }
  }

  BuildPeerLists();
  // Targets: `fanout` random live peers, one random dead one, and seeds when alone or rarely.
  // A copy: the shuffle below reorders it.
  std::vector<const Member*> live = live_;
  const std::vector<const Member*>& dead = dead_;
  std::vector<std::pair<std::string, std::string>> targets;  // address, node id
  if (probing()) {
    for (const Member* member : JudgeProbes(now)) {
      targets.emplace_back(member->info.mesh_address, member->info.id.node_id);
    }
    // Relayed pushes go to these members: greet any that has not verified this node yet, so a
    // push is not dropped as unverified (and lost until anti-entropy) the first time.
    for (size_t offset = 1; offset < ring_.size(); offset *= 2) {
      const Member* finger = RingMember(offset);
      if (!cookies_.contains(finger->info.id.node_id)) {
        targets.emplace_back(finger->info.mesh_address, finger->info.id.node_id);
      }
    }
  }
  // A partial Fisher-Yates shuffle: `fanout` random live peers in O(fanout), not O(N).
  for (size_t i = 0; i < live.size() && i < static_cast<size_t>(options_.fanout); ++i) {
    std::swap(live[i], live[std::uniform_int_distribution<size_t>(i, live.size() - 1)(rng_)]);
    targets.emplace_back(live[i]->info.mesh_address, live[i]->info.id.node_id);
    if (probing() && std::none_of(probes_.begin(), probes_.end(),
                                 [&](const auto& p) { return p.first == live[i]->info.id; })) {
      probes_.emplace_back(live[i]->info.id, 0);
    }
  }
  if (!dead.empty()) {
    const Member* pick = dead[std::uniform_int_distribution<size_t>(0, dead.size() - 1)(rng_)];
    targets.emplace_back(pick->info.mesh_address, pick->info.id.node_id);
  }
  std::vector<std::string> seeds;
  for (const auto& seed : options_.seeds) {
    if (seed != options_.advertise_address) seeds.push_back(seed);
  }
  if (!seeds.empty()) {
    if (live.empty()) {
      for (const auto& seed : seeds) targets.emplace_back(seed, NodeIdAt(seed));
    } else if (std::uniform_int_distribution<int>(0, 9)(rng_) == 0) {
      const auto& seed = seeds[std::uniform_int_distribution<size_t>(0, seeds.size() - 1)(rng_)];
      targets.emplace_back(seed, NodeIdAt(seed));
    }
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                targets.end());

  AgeListings(now);
  std::vector<Outgoing> out;
  if (targets.empty()) return out;
  std::vector<wire::Digest> digest = BuildSyn(now);
  for (size_t t = 0; t < targets.size(); ++t) {
    const bool last = t + 1 == targets.size();  // takes the parts instead of copies
    for (auto& part : digest) {
      Outgoing& o = out.emplace_back();
      o.address = targets[t].first;
      o.node_id = targets[t].second;
      *o.packet.mutable_sender() = self_wire_;
      if (last) {
        *o.packet.mutable_syn() = std::move(part);
      } else {
        *o.packet.mutable_syn() = part;
      }
    }
  }
  Stamp(out);
  return out;
}

bool GossipEngine::HasUnpushed() const {
  return counters_.Watermark(self().id) > pushed_ || HasRelays();
}

void GossipEngine::BuildPeerLists() {
  if (lists_generation_ == members_.generation() && lists_probing_ == probing()) return;
  lists_generation_ = members_.generation();
  lists_probing_ = probing();
  live_.clear();
  dead_.clear();
  ring_.clear();
  ring_self_ = 0;
  for (const auto& [id, member] : members_.entries()) {
    const bool self = &member == &members_.self();
    if (!self && !member.info.mesh_address.empty()) {
      if (member.state == NodeState::kAlive || member.state == NodeState::kSuspect) {
        live_.push_back(&member);
      } else if (member.state == NodeState::kDead) {
        dead_.push_back(&member);
      }
    }
    if (!probing()) continue;
    if (self) ring_self_ = ring_.size();
    // Suspects stay on the ring (members_.IsMember): a suspicion that some nodes hold and
    // others do not would make rings differ and relays miss whole spans (at 5 % loss, 1000
    // nodes); a relay to a node that is really gone is given up and passed to the next member.
    if (member.listed && (!member.info.mesh_address.empty() || self)) ring_.push_back(&member);
  }
  if (ring_.empty() || ring_[ring_self_] != &members_.self()) ring_.clear();
}

void GossipEngine::QueueRelays(wire::Delta delta) {
  const size_t size = ring_.size();
  if (size < 2) return;  // not on a ring (not probing yet, or left): anti-entropy covers it
  const size_t span = std::min<size_t>(delta.relay_span(), size);
  // Each origin's size once, not once per copy queued.
  absl::InlinedVector<size_t, 8> bytes;
  if (span > 1) {
    for (const auto& od : delta.origins()) bytes.push_back(od.ByteSizeLong() + 3);
  }
  for (size_t offset = 1; offset < span; offset *= 2) {
    const auto part = static_cast<uint32_t>(std::min(2 * offset, span) - offset);
    const bool last = 2 * offset >= span;  // the last copy takes the origins
    auto& queued = relays_[{offset, part}];
    for (int i = 0; i < delta.origins_size(); ++i) {
      wire::OriginDelta& od = *delta.mutable_origins(i);
      if (relay_origins_ >= kMaxRelayOrigins) return;
      if (od.node().node_id() == self().id.node_id &&
          od.node().incarnation() == self().id.incarnation) {
        continue;
      }
      const Member* member = delta_members_.size() == static_cast<size_t>(delta.origins_size())
                                 ? delta_members_[i]
                                 : nullptr;
      if (last) {
        queued.push_back(QueuedOrigin{.od = std::move(od), .bytes = bytes[i], .member = member});
      } else {
        queued.push_back(QueuedOrigin{.od = od, .bytes = bytes[i], .member = member});
      }
      ++relay_origins_;
    }
  }
}

void GossipEngine::SendRelay(size_t offset, wire::Packet packet,
                             absl::Span<const Member* const> members, int64_t now,
                             std::vector<Outgoing>& out) {
  const Member* to = RingMember(offset);
  wire::Delta& delta = *packet.mutable_delta();
  delta.set_relay_id(++relay_seq_);
  if (unacked_.size() >= kMaxUnackedRelays) unacked_.erase(unacked_.begin());
  Unacked unacked{.address = to->info.mesh_address,
                  .node_id = to->info.id.node_id,
                  .offset = offset,
                  .span = delta.relay_span(),
                  .sent_at = now};
  unacked.ranges.reserve(delta.origins_size());
  const bool have_members = members.size() == static_cast<size_t>(delta.origins_size());
  for (int i = 0; i < delta.origins_size(); ++i) {
    const wire::OriginDelta& od = delta.origins(i);
    RelayedRange& range = unacked.ranges.emplace_back(
        RelayedRange{.from = od.from_version(), .to = od.to_version()});
    if (have_members && members[i] != nullptr) {
      range.member = members[i];  // the origin's node info is not read: it is cold by now
      continue;
    }
    const OriginRef origin{od.node().node_id(), od.node().incarnation()};
    range.member = have_members ? nullptr : members_.Find(origin);
    if (range.member == nullptr) {
      range.origin = OriginId{std::string(origin.node_id), origin.incarnation};
    }
  }
  unacked_.emplace(delta.relay_id(), std::move(unacked));
  out.push_back(Outgoing{.address = to->info.mesh_address,
                         .node_id = to->info.id.node_id,
                         .packet = std::move(packet)});
}

std::vector<Outgoing> GossipEngine::TakeRelays(const std::vector<wire::Packet>& own,
                                               int64_t now) {
  std::vector<Outgoing> out;
  const size_t size = ring_.size();
  for (size_t offset = 1; offset < size && !own.empty(); offset *= 2) {
    for (wire::Packet packet : own) {
      packet.mutable_delta()->set_relay_span(static_cast<uint32_t>(std::min(2 * offset, size) - offset));
      SendRelay(offset, std::move(packet), {}, now, out);
    }
  }
  std::vector<const Member*> members;  // the entry of each origin in `packet` below
  auto send = [&](size_t offset, wire::Packet packet) {
    SendRelay(offset, std::move(packet), members, now, out);
    members.clear();
  };
  for (auto& [key, origins] : relays_) {
    const size_t offset = key.first;
    const uint32_t span = key.second;
    if (offset >= size) continue;  // the ring shrank: anti-entropy covers it
    wire::Packet packet;
    auto shell = [&] {
      *packet.mutable_sender() = self_wire_;
      packet.mutable_delta()->set_relay_span(span);
    };
    shell();
    const size_t base = packet.ByteSizeLong() + 3;
    size_t bytes = base;
    size_t packets = 0;
    for (auto& [od, od_bytes, member] : origins) {
      if (bytes + od_bytes > body_budget_ && packet.delta().origins_size() > 0) {
        if (++packets >= kMaxPushPackets) break;
        send(offset, std::move(packet));
        packet = wire::Packet();
        shell();
        bytes = base;
      }
      if (bytes + od_bytes > body_budget_) continue;  // cannot happen: it came in one datagram
      bytes += od_bytes;
      *packet.mutable_delta()->add_origins() = std::move(od);
      members.push_back(member);
    }
    if (packet.delta().origins_size() > 0) send(offset, std::move(packet));
  }
  relays_.clear();
  relay_origins_ = 0;
  return out;
}

bool GossipEngine::AckRelay(const wire::Delta& delta, const wire::NodeInfo& sender,
                            uint64_t token) {
  PendingAck& ack = acks_[sender.node_id()];
  ack.address = sender.mesh_address();
  if (ack.ids.empty()) ++pending_acks_;
  if (ack.ids.size() < kMaxAcksPerPacket) ack.ids.push_back(delta.relay_id());
  const std::pair<uint64_t, uint64_t> key{token, delta.relay_id()};
  if (!recent_relays_.insert(key).second) return false;
  recent_relay_order_.push_back(key);
  if (recent_relay_order_.size() > kRecentRelays) {
    recent_relays_.erase(recent_relay_order_.front());
    recent_relay_order_.pop_front();
  }
  return true;
}

void GossipEngine::ResendRelays(std::vector<Outgoing>& out, int64_t now) {
  std::vector<Unacked> given_up;
  const int64_t timeout =
      std::max<int64_t>(1, kRelayAckPushIntervals * options_.push_interval_ms);
  for (auto it = unacked_.begin(); it != unacked_.end();) {
    Unacked& unacked = it->second;
    if (now - unacked.sent_at < timeout) {
      ++it;
    } else if (unacked.sends >= kRelaySends) {
      if (unacked.span > 1) given_up.push_back(std::move(unacked));
      it = unacked_.erase(it);
    } else {
      ++unacked.sends;
      unacked.sent_at = now;
      std::vector<wire::Packet> packets = RebuildRelay(unacked.ranges);
      for (size_t k = 0; k < packets.size(); ++k) {
        // Newer slots may overflow into a second datagram: that one asks for no ack.
        packets[k].mutable_delta()->set_relay_span(unacked.span);
        packets[k].mutable_delta()->set_relay_id(k == 0 ? it->first : 0);
        out.push_back(Outgoing{.address = unacked.address,
                               .node_id = unacked.node_id,
                               .packet = std::move(packets[k])});
      }
      ++it;
    }
  }
  // Given up: its receiver is likely gone. The rest of its span goes to the member after it on
  // the ring, which covers it the same way (a second failure moves on again).
  for (Unacked& unacked : given_up) {
    if (unacked.offset + 1 >= ring_.size()) continue;  // the ring shrank: anti-entropy
    std::vector<wire::Packet> packets = RebuildRelay(unacked.ranges);
    for (wire::Packet& packet : packets) {
      packet.mutable_delta()->set_relay_span(unacked.span - 1);
      SendRelay(unacked.offset + 1, std::move(packet), {}, now, out);
    }
  }
  if (pending_acks_ == 0) return;
  for (auto& [node_id, ack] : acks_) {
    if (ack.ids.empty()) continue;
    Outgoing& o = out.emplace_back();
    o.address = ack.address;
    o.node_id = node_id;
    *o.packet.mutable_sender() = self_wire_;
    o.packet.mutable_relay_ack()->mutable_relay_ids()->Add(ack.ids.begin(), ack.ids.end());
    ack.ids.clear();
  }
  pending_acks_ = 0;
  // Entries stay for the next acks to the same peers (a node acks the same few every push
  // interval); bounded by the member table's size.
  if (acks_.size() > options_.max_members) acks_.clear();
}

std::vector<wire::Packet> GossipEngine::RebuildRelay(
    const std::vector<RelayedRange>& ranges) const {
  DeltaWriter writer(self_wire_, body_budget_, kMaxPushPackets);
  for (const RelayedRange& range : ranges) {
    const Member* member = range.member != nullptr ? range.member : members_.Find(range.origin);
    if (member == nullptr) continue;  // forgotten since: nothing to relay
    writer.Add(*member, member->heartbeat, member->left, counters_, range.from,
               std::min(range.to, counters_.Watermark(member->info.id, member->counters)));
  }
  return writer.Take();
}

void GossipEngine::ForgetEntry(const Member& member) {
  const OriginId& id = member.info.id;
  counters_.ForgetOrigin(id);
  listings_.erase(id);
  held_.erase(id);
  for (auto& [relay_id, unacked] : unacked_) {
    for (RelayedRange& range : unacked.ranges) {
      if (range.member != &member) continue;
      range.member = nullptr;
      range.origin = id;
    }
  }
  for (auto& [key, origins] : relays_) {
    for (QueuedOrigin& queued : origins) {
      if (queued.member == &member) queued.member = nullptr;
    }
  }
  std::replace(delta_members_.begin(), delta_members_.end(), &member,
               static_cast<const Member*>(nullptr));
}

std::vector<Outgoing> GossipEngine::Push(int64_t now) {
  const uint64_t version = counters_.Watermark(self().id);
  const bool relayed = probing() && ring_.size() > 2;
  std::vector<const Member*> peers;
  if (version > pushed_ && !relayed) {
    for (const auto& [id, member] : members_.entries()) {
      if (&member != &members_.self() && members_.IsMember(member) &&
          !member.info.mesh_address.empty()) {
        peers.push_back(&member);
      }
    }
  }
  std::vector<wire::Packet> packets;
  if (version > pushed_ && (relayed || !peers.empty())) {
    DeltaWriter writer(self_wire_, body_budget_, kMaxPushPackets);
    const Member& self_member = members_.self();
    pushed_ = writer.Add(self_member, self_member.heartbeat, self_member.left, counters_, pushed_,
                         version);
    packets = writer.Take();
    ++stats_.pushes;
  } else if (version > pushed_) {
    pushed_ = version;  // nobody to tell; anti-entropy covers later joiners
  }
  std::vector<Outgoing> out;
  if (relayed) {
    out = TakeRelays(packets, now);
  } else {
    relays_.clear();  // off the ring since they were queued: anti-entropy covers them
    relay_origins_ = 0;
    out.reserve(packets.size() * peers.size());
    for (const Member* peer : peers) {
      for (const auto& packet : packets) {
        out.push_back(Outgoing{.address = peer->info.mesh_address,
                               .node_id = peer->info.id.node_id,
                               .packet = packet});
      }
    }
  }
  ResendRelays(out, now);
  Stamp(out);
  return out;
}

std::vector<Outgoing> GossipEngine::Leave(int64_t now) {
  std::vector<Outgoing> out = Push(now);
  members_.LeaveSelf();
  for (const auto& [id, member] : members_.entries()) {
    if (&member == &members_.self() || member.info.mesh_address.empty()) continue;
    if (member.state != NodeState::kAlive && member.state != NodeState::kSuspect) continue;
    Outgoing& o = out.emplace_back();
    o.address = member.info.mesh_address;
    o.node_id = id.node_id;
    *o.packet.mutable_sender() = self_wire_;
    o.packet.mutable_leave();
  }
  Stamp(out);
  return out;
}

bool GossipEngine::TakeMembershipChange() { return std::exchange(membership_changed_, false); }

std::vector<cluster::PeerInfo> GossipEngine::Peers() const {
  std::vector<cluster::PeerInfo> peers;
  for (const auto& [id, member] : members_.entries()) {
    if (!members_.IsMember(member) || member.info.grpc_address.empty()) continue;
    peers.push_back(cluster::PeerInfo{.grpc_address = member.info.grpc_address,
                                      .http_address = member.info.http_address,
                                      .is_self = &member == &members_.self()});
  }
  return peers;
}

}  // namespace sluice::mesh
