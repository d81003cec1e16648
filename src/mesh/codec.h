// Codec: frames mesh Packets into datagrams and checks incoming ones (docs/mesh.md, "Frame").
//
//   0     1     2         3       4                       n             n+32
//   +-----+-----+---------+-------+-----------------------+---------------+
//   | 'S' | 'M' | version | flags | Packet (protobuf)     | HMAC-SHA256   |
//   +-----+-----+---------+-------+-----------------------+---------------+
//   flags bit 0: the 32-byte tag is present; it covers bytes [0, n). Other bits must be 0.
//
// Decode drops (and names why) anything that is not a well-formed packet of this cluster signed
// with this node's key: oversized, truncated, wrong magic, unknown version, missing, unexpected
// or wrong tag, unparsable or incomplete protobuf, another cluster id. It never throws and never
// trusts a length from the wire.
//
// Thread safety: const methods may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mesh.pb.h"

namespace sluice::mesh {

inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr size_t kFrameHeaderBytes = 4;
inline constexpr size_t kTagBytes = 32;

enum class DropReason {
  kOversized,     // longer than kMaxDatagramBytes
  kTruncated,     // shorter than a header (+ tag)
  kBadMagic,      // not a Sluice mesh datagram
  kBadVersion,    // a protocol version this build does not speak
  kBadAuth,       // tag missing, unexpected, or not matching the shared key
  kMalformed,     // unknown flags, unparsable protobuf, or a packet missing required fields
  kWrongCluster,  // another mesh's cluster id
};
inline constexpr int kDropReasonCount = 7;

// "oversize", "truncated", "bad_magic", "version", "auth", "malformed", "wrong_cluster" (the
// reason label of sluice_gossip_dropped_packets_total).
const char* DropReasonName(DropReason reason);

struct Decoded {
  std::optional<wire::Packet> packet;          // set when accepted
  DropReason reason = DropReason::kMalformed;  // why not, otherwise
};

class Codec {
 public:
  // `secret` empty: packets are neither signed nor expected to be.
  Codec(std::string cluster_id, std::string secret);

  // Room for a Packet's other fields: a packet whose ByteSizeLong() (cluster_id unset) is at most
  // this encodes to at most kMaxDatagramBytes.
  size_t body_budget() const { return body_budget_; }

  // Sets the packet's cluster id and frames it.
  std::string Encode(wire::Packet& packet) const;

  Decoded Decode(std::string_view datagram) const;

 private:
  void Sign(std::string_view data, unsigned char* tag) const;

  std::string cluster_id_;
  std::string secret_;
  size_t body_budget_;
};

}  // namespace sluice::mesh
