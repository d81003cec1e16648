#include "mesh/codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/crc.hpp>
#include <limits>
#include <optional>

#include "mesh/mesh_options.h"

namespace sluice::mesh {
namespace {

constexpr unsigned char kMagic0 = 'S';
constexpr unsigned char kMagic1 = 'M';
constexpr unsigned char kFlagSigned = 0x01;

void AppendLittleEndian(uint32_t value, std::string& out) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint32_t ReadLittleEndian(const unsigned char* bytes) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

template <typename WireMessage>
WireMessage WithWindow(const SlotView& view) {
  WireMessage out;
  out.set_key(view.window.key);
  out.set_window_start(view.window.start);
  out.set_window_length(view.window.end - view.window.start);
  out.set_count(static_cast<uint64_t>(view.count));
  out.set_version(view.version);
  return out;
}

// The update a Slot or Baseline carries, when its numbers fit a window and a count.
template <typename WireMessage>
std::optional<SlotUpdate> UpdateOf(const WireMessage& in) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (in.window_length() <= 0 || in.window_start() > kMax - in.window_length() ||
      in.count() > static_cast<uint64_t>(kMax)) {
    return std::nullopt;
  }
  return SlotUpdate{
      .window = WindowKey{in.key(), in.window_start(), in.window_start() + in.window_length()},
      .count = static_cast<int64_t>(in.count()),
      .version = in.version()};
}

}  // namespace

// Catches every 1-3 bit error and every burst up to 32 bits in a datagram of this size.
uint32_t Crc32c(std::string_view data) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

const char* DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kOversized:
      return "oversize";
    case DropReason::kTruncated:
      return "truncated";
    case DropReason::kBadMagic:
      return "bad_magic";
    case DropReason::kBadVersion:
      return "version";
    case DropReason::kBadAuth:
      return "auth";
    case DropReason::kMalformed:
      return "malformed";
    case DropReason::kWrongCluster:
      return "wrong_cluster";
    case DropReason::kChecksum:
      return "checksum";
    case DropReason::kUnverified:
      return "unverified";
    case DropReason::kMembersFull:
      return "members_full";
  }
  return "unknown";
}

Codec::Codec(std::string cluster_id, std::string secret)
    : cluster_id_(std::move(cluster_id)), secret_(std::move(secret)) {
  const size_t cluster_field =
      1 + google::protobuf::io::CodedOutputStream::VarintSize64(cluster_id_.size()) +
      cluster_id_.size();
  body_budget_ =
      kMaxDatagramBytes - kFrameHeaderBytes - TrailerBytes() - cluster_field - kStampBytes;
}

void Codec::Sign(std::string_view data, unsigned char* tag) const {
  unsigned int length = kTagBytes;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), tag, &length);
}

std::string Codec::Encode(wire::Packet& packet) const {
  packet.set_cluster_id(cluster_id_);
  std::string out;
  out.reserve(kMaxDatagramBytes);
  out.push_back(static_cast<char>(kMagic0));
  out.push_back(static_cast<char>(kMagic1));
  out.push_back(static_cast<char>(kProtocolVersion));
  out.push_back(static_cast<char>(secret_.empty() ? 0 : kFlagSigned));
  packet.AppendToString(&out);
  if (secret_.empty()) {
    AppendLittleEndian(Crc32c(out), out);
  } else {
    unsigned char tag[kTagBytes];
    Sign(out, tag);
    out.append(reinterpret_cast<const char*>(tag), kTagBytes);
  }
  return out;
}

Decoded Codec::Decode(std::string_view datagram) const {
  Decoded out;
  auto drop = [&out](DropReason reason) {
    out.reason = reason;
    return out;
  };
  if (datagram.size() > kMaxDatagramBytes) return drop(DropReason::kOversized);
  if (datagram.size() < kFrameHeaderBytes) return drop(DropReason::kTruncated);
  const auto* bytes = reinterpret_cast<const unsigned char*>(datagram.data());
  if (bytes[0] != kMagic0 || bytes[1] != kMagic1) return drop(DropReason::kBadMagic);
  if (bytes[2] != kProtocolVersion) return drop(DropReason::kBadVersion);
  const unsigned char flags = bytes[3];
  if ((flags & ~kFlagSigned) != 0) return drop(DropReason::kMalformed);
  const bool is_signed = (flags & kFlagSigned) != 0;
  if (is_signed != !secret_.empty()) return drop(DropReason::kBadAuth);

  if (datagram.size() < kFrameHeaderBytes + TrailerBytes()) return drop(DropReason::kTruncated);
  const std::string_view covered = datagram.substr(0, datagram.size() - TrailerBytes());
  const unsigned char* trailer = bytes + covered.size();
  if (is_signed) {
    unsigned char expected[kTagBytes];
    Sign(covered, expected);
    if (CRYPTO_memcmp(expected, trailer, kTagBytes) != 0) return drop(DropReason::kBadAuth);
  } else if (Crc32c(covered) != ReadLittleEndian(trailer)) {
    return drop(DropReason::kChecksum);
  }
  const std::string_view body = covered.substr(kFrameHeaderBytes);

  wire::Packet packet;
  if (!packet.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return drop(DropReason::kMalformed);
  }
  if (packet.cluster_id() != cluster_id_) return drop(DropReason::kWrongCluster);
  const auto& sender = packet.sender();
  if (!packet.has_sender() || sender.node_id().empty() ||
      sender.node_id().size() > kMaxNodeIdBytes || sender.incarnation() == 0 ||
      packet.token() == 0 || packet.body_case() == wire::Packet::BODY_NOT_SET) {
    return drop(DropReason::kMalformed);
  }
  out.packet = std::move(packet);
  return out;
}

WireUpdate::WireUpdate(const SlotView& view) {
  if (view.baseline_of == nullptr) {
    update_ = WithWindow<wire::Slot>(view);
    return;
  }
  auto baseline = WithWindow<wire::Baseline>(view);
  baseline.set_node_id(view.baseline_of->node_id);
  baseline.set_incarnation(view.baseline_of->incarnation);
  update_ = std::move(baseline);
}

size_t WireUpdate::DeltaBytes() const {
  const auto field = [](int number, size_t size) {
    using google::protobuf::io::CodedOutputStream;
    return CodedOutputStream::VarintSize32(static_cast<uint32_t>(number) << 3) +
           CodedOutputStream::VarintSize64(size) + size;
  };
  if (const auto* slot = std::get_if<wire::Slot>(&update_)) {
    return field(wire::OriginDelta::kSlotsFieldNumber, slot->ByteSizeLong());
  }
  return field(wire::OriginDelta::kBaselinesFieldNumber,
               std::get<wire::Baseline>(update_).ByteSizeLong());
}

void WireUpdate::AppendTo(wire::OriginDelta& delta) && {
  if (auto* slot = std::get_if<wire::Slot>(&update_)) {
    *delta.add_slots() = std::move(*slot);
  } else {
    *delta.add_baselines() = std::move(std::get<wire::Baseline>(update_));
  }
}

Updates UpdatesOf(const wire::OriginDelta& delta) {
  Updates out;
  out.reserve(delta.slots_size() + delta.baselines_size());
  for (const wire::Slot& slot : delta.slots()) out.push_back(UpdateOf(slot));
  for (const wire::Baseline& baseline : delta.baselines()) {
    std::optional<SlotUpdate> update = UpdateOf(baseline);
    if (update) update->baseline_of = OriginId{baseline.node_id(), baseline.incarnation()};
    out.push_back(std::move(update));
  }
  return out;
}

}  // namespace sluice::mesh
