// The gossip datagram decoder (mesh/codec.h): any bytes as a datagram for an unsigned and a signed
// mesh. What the unsigned codec accepts must survive a round trip through the signed one: framed,
// signed, decoded again to the same packet.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/util/message_differencer.h>

#include "fuzz_check.h"
#include "mesh/codec.h"
#include "mesh/mesh_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sluice::mesh::Codec open_codec("fuzz", "");
  static const sluice::mesh::Codec signed_codec("fuzz", "a shared secret");
  const std::string_view datagram(reinterpret_cast<const char*>(data), size);

  FUZZ_CHECK(!signed_codec.Decode(datagram).packet.has_value() || size >= 4 + 32,
             "a signed packet carries its tag");
  sluice::mesh::Decoded decoded = open_codec.Decode(datagram);
  if (!decoded.packet.has_value()) return 0;
  FUZZ_CHECK(size <= sluice::mesh::kMaxDatagramBytes, "accepted datagrams fit the limit");

  sluice::mesh::wire::Packet packet = *decoded.packet;
  const std::string framed = signed_codec.Encode(packet);
  sluice::mesh::Decoded again = signed_codec.Decode(framed);
  if (framed.size() > sluice::mesh::kMaxDatagramBytes) {
    FUZZ_CHECK(!again.packet.has_value(), "an oversized frame is dropped");
    return 0;
  }
  FUZZ_CHECK(again.packet.has_value(), "a signed round trip is accepted");
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*again.packet, *decoded.packet),
             "a signed round trip keeps the packet");
  return 0;
}
