#include "mesh/codec.h"

#include <gtest/gtest.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <random>

#include "mesh/mesh_options.h"

namespace sluice::mesh {
namespace {

const std::string kKey = "0123456789abcdef-shared";

wire::Packet Sample() {
  wire::Packet p;
  p.mutable_sender()->set_node_id("node-a");
  p.mutable_sender()->set_incarnation(1700000000000);
  p.mutable_sender()->set_mesh_address("10.0.0.1:7946");
  p.set_token(0x5eed);
  auto* od = p.mutable_delta()->add_origins();
  *od->mutable_node() = p.sender();
  od->set_from_version(3);
  od->set_to_version(4);
  auto* slot = od->add_slots();
  slot->set_key("requests_account:1");
  slot->set_window_start(1700000000000);
  slot->set_window_length(1000);
  slot->set_count(17);
  slot->set_version(4);
  return p;
}

TEST(CodecTest, RoundTripsUnsignedAndSigned) {
  for (const std::string& key : {std::string(), kKey}) {
    Codec codec("prod", key);
    wire::Packet p = Sample();
    std::string bytes = codec.Encode(p);
    EXPECT_EQ(bytes.substr(0, 3), std::string("SM\x02", 3));
    EXPECT_EQ(bytes.size(), 4 + p.ByteSizeLong() + (key.empty() ? kChecksumBytes : kTagBytes));
    Decoded d = codec.Decode(bytes);
    ASSERT_TRUE(d.packet.has_value()) << DropReasonName(d.reason);
    EXPECT_EQ(d.packet->SerializeAsString(), p.SerializeAsString());
  }
}

// A slot and a reset's baseline go out as WireUpdates and come back from UpdatesOf unchanged,
// and DeltaBytes is exactly what each adds to an OriginDelta (baselines have a 2-byte tag).
TEST(CodecTest, UpdatesRoundTripThroughADelta) {
  const WindowKey window{"requests_account:1", 1'700'000'000'000, 1'700'000'001'000};
  const OriginId of{"node-b", 1'700'000'000'123};
  const SlotView views[] = {
      SlotView{.window = window, .count = 17, .version = 4},
      SlotView{.window = window, .count = 9, .version = 5, .baseline_of = &of}};
  wire::Packet p = Sample();
  wire::OriginDelta& od = *p.mutable_delta()->mutable_origins(0);
  od.clear_slots();
  for (const SlotView& view : views) {
    WireUpdate update(view);
    const size_t before = od.ByteSizeLong();
    const size_t bytes = update.DeltaBytes();
    std::move(update).AppendTo(od);
    EXPECT_EQ(od.ByteSizeLong() - before, bytes);
  }
  Codec codec("prod", kKey);
  Decoded d = codec.Decode(codec.Encode(p));
  ASSERT_TRUE(d.packet.has_value()) << DropReasonName(d.reason);
  const auto updates = UpdatesOf(d.packet->delta().origins(0));
  ASSERT_EQ(updates.size(), 2u);
  ASSERT_TRUE(updates[0] && updates[1]);
  EXPECT_EQ(updates[0]->window, window);
  EXPECT_EQ(updates[0]->count, 17);
  EXPECT_EQ(updates[0]->version, 4u);
  EXPECT_FALSE(updates[0]->baseline_of.has_value());
  EXPECT_EQ(updates[1]->window, window);
  EXPECT_EQ(updates[1]->count, 9);
  EXPECT_EQ(updates[1]->version, 5u);
  EXPECT_EQ(updates[1]->baseline_of, of);
}

TEST(CodecTest, UpdatesThatCannotBeAWindowOrACountAreMalformed) {
  wire::OriginDelta od;
  od.add_slots()->set_window_length(0);
  auto* overflow = od.add_baselines();
  overflow->set_window_start(std::numeric_limits<int64_t>::max());
  overflow->set_window_length(2);
  auto* huge = od.add_baselines();
  huge->set_window_length(1000);
  huge->set_count(~uint64_t{0});
  for (const auto& update : UpdatesOf(od)) EXPECT_FALSE(update.has_value());
}

// A node built before resets has mesh.proto without OriginDelta.baselines (field 20): built
// here from this build's descriptor minus that field, it parses a delta with baselines, keeps
// every slot, and leaves the baselines aside as unknown fields — it ignores the reset.
TEST(CodecTest, ANodeThatPredatesResetsParsesTheDeltaAndIgnoresTheBaselines) {
  google::protobuf::FileDescriptorProto file;
  wire::Packet::descriptor()->file()->CopyTo(&file);
  for (auto& message : *file.mutable_message_type()) {
    if (message.name() != "OriginDelta") continue;
    auto* fields = message.mutable_field();
    fields->erase(std::remove_if(fields->begin(), fields->end(),
                                 [](const auto& f) { return f.number() >= 20; }),
                  fields->end());
  }
  google::protobuf::DescriptorPool pool;
  const google::protobuf::FileDescriptor* old_file = pool.BuildFile(file);
  ASSERT_NE(old_file, nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> old(
      factory.GetPrototype(old_file->FindMessageTypeByName("Packet"))->New());

  wire::Packet p = Sample();
  auto* baseline = p.mutable_delta()->mutable_origins(0)->add_baselines();
  baseline->set_key("requests_account:1");
  baseline->set_window_length(1000);
  baseline->set_node_id("node-b");
  baseline->set_count(3);
  baseline->set_version(5);
  ASSERT_TRUE(old->ParseFromString(p.SerializeAsString()));
  wire::Packet without = p;
  without.mutable_delta()->mutable_origins(0)->clear_baselines();
  old->DiscardUnknownFields();
  EXPECT_EQ(old->SerializeAsString(), without.SerializeAsString())
      << "the old node sees the same delta with its slots, and nothing else";
}

TEST(CodecTest, BodyBudgetKeepsDatagramsUnderTheMtuBound) {
  for (const std::string& key : {std::string(), kKey}) {
    Codec codec(std::string(kMaxClusterIdBytes, 'c'), key);
    wire::Packet p;
    p.mutable_sender()->set_node_id("n");
    p.mutable_sender()->set_incarnation(1);
    p.set_token(1);
    auto* slot = p.mutable_delta()->add_origins()->add_slots();
    // Grow the packet to the budget: the frame, token and echo add exactly what the budget
    // leaves out.
    p.clear_token();
    while (p.ByteSizeLong() < codec.body_budget()) slot->mutable_key()->push_back('k');
    const size_t body = p.ByteSizeLong();
    p.set_token(~uint64_t{0});
    p.set_echo(1);
    EXPECT_EQ(codec.Encode(p).size(), kMaxDatagramBytes - codec.body_budget() + body);
    EXPECT_LE(codec.Encode(p).size(), kMaxDatagramBytes);
  }
}

TEST(CodecTest, DropsAndNamesBadDatagrams) {
  Codec codec("prod", "");
  wire::Packet p = Sample();
  const std::string good = codec.Encode(p);

  EXPECT_EQ(codec.Decode(std::string(kMaxDatagramBytes + 1, 'S')).reason, DropReason::kOversized);
  EXPECT_EQ(codec.Decode("SM").reason, DropReason::kTruncated);
  EXPECT_EQ(codec.Decode("").reason, DropReason::kTruncated);
  EXPECT_EQ(codec.Decode("GET / HTTP/1.1\r\n").reason, DropReason::kBadMagic);
  for (char version : {1, 3}) {  // 1: before the checksum and address verification
    std::string other = good;
    other[2] = version;
    EXPECT_EQ(codec.Decode(other).reason, DropReason::kBadVersion);
  }
  std::string flags = good;
  flags[3] = 0x04;
  EXPECT_EQ(codec.Decode(flags).reason, DropReason::kMalformed);
  std::string truncated = good.substr(0, good.size() - 5);
  EXPECT_EQ(codec.Decode(truncated).reason, DropReason::kChecksum);
  EXPECT_EQ(codec.Decode(good.substr(0, 7)).reason, DropReason::kTruncated) << "no room for a CRC";
  EXPECT_EQ(Codec("staging", "").Decode(good).reason, DropReason::kWrongCluster);

  wire::Packet no_body;
  *no_body.mutable_sender() = p.sender();
  no_body.set_token(1);
  EXPECT_EQ(codec.Decode(codec.Encode(no_body)).reason, DropReason::kMalformed);
  wire::Packet no_sender;
  no_sender.mutable_leave();
  EXPECT_EQ(codec.Decode(codec.Encode(no_sender)).reason, DropReason::kMalformed);
  wire::Packet zero_incarnation = Sample();
  zero_incarnation.mutable_sender()->set_incarnation(0);
  EXPECT_EQ(codec.Decode(codec.Encode(zero_incarnation)).reason, DropReason::kMalformed);
  wire::Packet no_token = Sample();
  no_token.clear_token();
  EXPECT_EQ(codec.Decode(codec.Encode(no_token)).reason, DropReason::kMalformed);
}

TEST(CodecTest, TheChecksumIsCrc32cLittleEndian) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u) << "the check value of RFC 3720, B.4";
  Codec codec("prod", "");
  wire::Packet p = Sample();
  const std::string bytes = codec.Encode(p);
  const uint32_t crc = Crc32c(std::string_view(bytes).substr(0, bytes.size() - kChecksumBytes));
  std::string trailer;
  for (int i = 0; i < 4; ++i) trailer.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  EXPECT_EQ(bytes.substr(bytes.size() - kChecksumBytes), trailer);
}

// Corruption used to create phantom members: a flipped bit inside a node id or a count still
// parsed as a packet. Now every single-bit error anywhere in the datagram is dropped.
TEST(CodecTest, EveryFlippedBitIsDroppedAndNamed) {
  Codec codec("prod", "");
  wire::Packet p = Sample();
  const std::string good = codec.Encode(p);
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Decoded d = codec.Decode(bad);
      ASSERT_FALSE(d.packet.has_value()) << "byte " << i << " bit " << bit;
      if (i >= kFrameHeaderBytes) {
        EXPECT_EQ(d.reason, DropReason::kChecksum) << "byte " << i << " bit " << bit;
      }
    }
  }
}

TEST(CodecTest, AuthenticationRejectsForgedMissingAndUnexpectedTags) {
  Codec signer("prod", kKey);
  Codec other_key("prod", "another-key-of-16-bytes");
  Codec plain("prod", "");
  wire::Packet p = Sample();
  const std::string signed_bytes = signer.Encode(p);

  EXPECT_EQ(other_key.Decode(signed_bytes).reason, DropReason::kBadAuth);
  EXPECT_EQ(plain.Decode(signed_bytes).reason, DropReason::kBadAuth) << "unexpected tag";
  EXPECT_EQ(signer.Decode(plain.Encode(p)).reason, DropReason::kBadAuth) << "missing tag";
  for (size_t i : {size_t{3}, size_t{10}, signed_bytes.size() / 2, signed_bytes.size() - 1}) {
    std::string tampered = signed_bytes;
    tampered[i] ^= 0x01;
    EXPECT_EQ(signer.Decode(tampered).reason, DropReason::kBadAuth) << "byte " << i;
  }
  EXPECT_EQ(signer.Decode(signed_bytes.substr(0, 20)).reason, DropReason::kTruncated);
}

TEST(CodecTest, RandomBytesNeverCrashAndAreNeverAccepted) {
  Codec codec("prod", "");
  Codec keyed("prod", kKey);
  std::mt19937 rng(7);
  wire::Packet p = Sample();
  const std::string good = codec.Encode(p);
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(std::uniform_int_distribution<size_t>(0, 1500)(rng));
      for (char& c : bytes) c = static_cast<char>(rng());
    } else {
      // Valid header, then mutations of a real packet.
      bytes = good;
      const int flips = std::uniform_int_distribution<int>(1, 8)(rng);
      for (int f = 0; f < flips; ++f) {
        size_t at = std::uniform_int_distribution<size_t>(4, bytes.size() - 1)(rng);
        bytes[at] = static_cast<char>(rng());
      }
      bytes.resize(std::uniform_int_distribution<size_t>(4, bytes.size())(rng));
    }
    Decoded d = codec.Decode(bytes);
    EXPECT_FALSE(d.packet.has_value()) << "the checksum catches random bytes and mutations";
    EXPECT_FALSE(keyed.Decode(bytes).packet.has_value());
  }
}

}  // namespace
}  // namespace sluice::mesh
