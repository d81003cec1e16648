// The gossip datagram decoder (mesh/codec.h): any bytes as a datagram for an unsigned and a signed
// mesh. What the unsigned codec accepts must survive a round trip through the signed one: framed,
// signed, decoded again to the same packet. Then the protocol (mesh/gossip_engine.h) gets it, as
// it arrived and as if its sender were verified: every reply fits a datagram, a reply to an
// unverified packet is at most kMaxAmplification times its size, and the member table and the
// counters stay within their caps however many inputs arrive.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/util/message_differencer.h>

#include "fuzz_check.h"
#include "mesh/codec.h"
#include "mesh/counter_table.h"
#include "mesh/gossip_engine.h"
#include "mesh/mesh_options.h"

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

sluice::mesh::MeshOptions EngineOptions() {
  sluice::mesh::MeshOptions o;
  o.node_id = "fuzz-node";
  o.incarnation = 1;
  o.advertise_address = "127.0.0.1:7946";
  o.max_members = 16;
  o.max_slots_per_key = 4;
  o.max_windows = 256;
  return o;
}

// Feeds `packet` (accepted by `codec`, `size` bytes) to one long-lived engine.
void Exercise(const sluice::mesh::Codec& codec, const sluice::mesh::wire::Packet& packet,
              size_t size) {
  using namespace sluice::mesh;
  static const MeshOptions options = EngineOptions();
  static CounterTable counters(CounterOptionsFor(options));
  static GossipEngine engine(options, codec.body_budget(), kNow, counters);
  auto check = [&](Received received, bool verified) {
    for (Outgoing& o : received.replies) {
      const std::string bytes = codec.Encode(o.packet);
      FUZZ_CHECK(bytes.size() <= kMaxDatagramBytes, "a reply fits a datagram");
      FUZZ_CHECK(verified || bytes.size() <= kMaxAmplification * size,
                 "a reply to an unverified packet is small");
    }
  };
  check(engine.Receive(packet, size, kNow), false);
  wire::Packet verified = packet;
  verified.set_echo(engine.CookieFor(packet.sender()));
  check(engine.Receive(verified, size, kNow), true);
  FUZZ_CHECK(engine.members().size() <= options.max_members, "the member table is capped");
  FUZZ_CHECK(counters.windows() <= options.max_windows, "the windows are capped");
  FUZZ_CHECK(counters.slots() <= counters.windows() * (options.max_slots_per_key + 1),
             "the slots of a key are capped");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sluice::mesh::Codec open_codec("fuzz", "");
  static const sluice::mesh::Codec signed_codec("fuzz", "a shared secret");
  const std::string_view datagram(reinterpret_cast<const char*>(data), size);

  FUZZ_CHECK(!signed_codec.Decode(datagram).packet.has_value() || size >= 4 + 32,
             "a signed packet carries its tag");
  sluice::mesh::Decoded decoded = open_codec.Decode(datagram);
  if (!decoded.packet.has_value()) return 0;
  FUZZ_CHECK(size <= sluice::mesh::kMaxDatagramBytes, "accepted datagrams fit the limit");

  Exercise(open_codec, *decoded.packet, size);

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
