// Codec: frames mesh Packets into datagrams and checks incoming ones (docs/mesh.md, "Frame").
//
//   0     1     2         3       4                       n                    n+4 | n+32
//   +-----+-----+---------+-------+-----------------------+----------------------------+
//   | 'S' | 'M' | version | flags | Packet (protobuf)     | CRC-32C  |  HMAC-SHA256    |
//   +-----+-----+---------+-------+-----------------------+----------------------------+
//   version = 2. flags bit 0: signed — a 32-byte HMAC-SHA256 tag follows; otherwise a 4-byte
//   CRC-32C (little-endian). Either covers bytes [0, n). Other flag bits must be 0.
//
// Decode drops (and names why) anything that is not a well-formed packet of this cluster signed
// with this node's key: oversized, truncated, wrong magic, unknown version, a checksum that does
// not match (a corrupted datagram never becomes a packet), missing, unexpected or wrong tag,
// unparsable or incomplete protobuf (no sender, incarnation, token or body), another cluster id. It never throws and never trusts a
// length from the wire.
//
// Thread safety: const methods may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "mesh.pb.h"
#include "mesh/counter_table.h"

namespace sluice::mesh {

inline constexpr uint8_t kProtocolVersion = 2;
inline constexpr size_t kFrameHeaderBytes = 4;
inline constexpr size_t kTagBytes = 32;
inline constexpr size_t kChecksumBytes = 4;
// Room body_budget() keeps for the Packet's token and echo (two fixed64 fields), which the
// engine sets on every packet after sizing it.
inline constexpr size_t kStampBytes = 2 * (1 + 8);

enum class DropReason {
  kOversized,     // longer than kMaxDatagramBytes
  kTruncated,     // shorter than a header (+ tag)
  kBadMagic,      // not a Sluice mesh datagram
  kBadVersion,    // a protocol version this build does not speak
  kBadAuth,       // tag missing, unexpected, or not matching the shared key
  kMalformed,     // unknown flags, unparsable protobuf, or a packet missing required fields
  kWrongCluster,  // another mesh's cluster id
  kChecksum,      // an unsigned datagram whose CRC-32C does not match: corrupted on the way
  // Dropped by the protocol (GossipEngine::Receive), not the codec:
  kUnverified,   // the sender has not proved it receives at its address (answered: Challenge)
  kMembersFull,  // a new node while the member table is full of live members
};
inline constexpr int kDropReasonCount = 10;

// "oversize", "truncated", "bad_magic", "version", "auth", "malformed", "wrong_cluster",
// "checksum", "unverified", "members_full" (the reason label of
// sluice_gossip_dropped_packets_total).
const char* DropReasonName(DropReason reason);

// CRC-32C (Castagnoli, as iSCSI and SCTP) of `data`: the unsigned frame's checksum.
uint32_t Crc32c(std::string_view data);

struct Decoded {
  std::optional<wire::Packet> packet;          // set when accepted
  DropReason reason = DropReason::kMalformed;  // why not, otherwise
};

class Codec {
 public:
  // `secret` empty: packets are neither signed nor expected to be.
  Codec(std::string cluster_id, std::string secret);

  // Room for a Packet's other fields: a packet whose ByteSizeLong() (cluster_id, token and echo
  // unset) is at most this encodes to at most kMaxDatagramBytes with all three set.
  size_t body_budget() const { return body_budget_; }

  // Sets the packet's cluster id and frames it.
  std::string Encode(wire::Packet& packet) const;

  Decoded Decode(std::string_view datagram) const;

 private:
  void Sign(std::string_view data, unsigned char* tag) const;
  // Bytes after the packet: the tag when signed, else the checksum.
  size_t TrailerBytes() const { return secret_.empty() ? kChecksumBytes : kTagBytes; }

  std::string cluster_id_;
  std::string secret_;
  size_t body_budget_;
};

// One versioned update of an origin (a CounterTable SlotView) in its wire form: a Slot, or a
// Baseline when it is a reset's.
class WireUpdate {
 public:
  explicit WireUpdate(const SlotView& view);
  // What appending it adds to an OriginDelta's size: field tag, length and body.
  size_t DeltaBytes() const;
  void AppendTo(wire::OriginDelta& delta) &&;

 private:
  std::variant<wire::Slot, wire::Baseline> update_;
};

// Every update `delta` carries — its slots, then its baselines — as CounterTable::Merge takes
// them; nullopt for one whose numbers cannot be a window or a count (a malformed update).
// Inline for the usual one or two (an origin's updates of one push interval), so a relayed
// origin's merge allocates nothing for them.
using Updates = absl::InlinedVector<std::optional<SlotUpdate>, 2>;
Updates UpdatesOf(const wire::OriginDelta& delta);

}  // namespace sluice::mesh
