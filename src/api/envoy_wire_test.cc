// The hand-written RateLimitResponse encoding against the generated message: for every answer,
// the bytes must equal what protobuf serializes for ToProto(answer), and parse back to it.
#include "api/envoy_wire.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace sluice::api {
namespace {

using envoy::service::ratelimit::v3::RateLimitResponse;

std::string Wire(const EnvoyAnswer& answer) {
  std::string bytes(EnvoyWireSize(answer), '\0');
  uint8_t* begin = reinterpret_cast<uint8_t*>(bytes.data());
  uint8_t* end = WriteEnvoyWire(answer, begin);
  EXPECT_EQ(static_cast<size_t>(end - begin), bytes.size());
  return bytes;
}

// The encoding is byte-identical to protobuf's and parses back to the same message.
void ExpectSameAsProtobuf(const EnvoyAnswer& answer) {
  RateLimitResponse expected;
  ToProto(answer, &expected);
  const std::string bytes = Wire(answer);
  EXPECT_EQ(bytes, expected.SerializeAsString());
  RateLimitResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, expected))
      << parsed.DebugString() << "\nvs\n" << expected.DebugString();
}

EnvoyDescriptorStatus Limited(uint32_t remaining) {
  EnvoyDescriptorStatus s;
  s.code = RateLimitResponse::OK;
  s.has_current_limit = true;
  s.limit_name = "five-per-second";
  s.requests_per_unit = 5;
  s.unit = RateLimitResponse::RateLimit::SECOND;
  s.limit_remaining = remaining;
  s.has_duration_until_reset = true;
  s.reset_seconds = 0;
  s.reset_nanos = 250'000'000;
  return s;
}

TEST(EnvoyWireTest, EmptyAnswerIsEmpty) {
  EXPECT_EQ(EnvoyWireSize(EnvoyAnswer{}), 0u);
  ExpectSameAsProtobuf(EnvoyAnswer{});
}

TEST(EnvoyWireTest, TypicalAnswers) {
  EnvoyAnswer answer;
  answer.overall_code = RateLimitResponse::OVER_LIMIT;
  answer.statuses.push_back(Limited(4));
  EnvoyDescriptorStatus over = Limited(0);
  over.code = RateLimitResponse::OVER_LIMIT;
  answer.statuses.push_back(over);
  EnvoyDescriptorStatus unmatched;  // OK, no current_limit
  unmatched.code = RateLimitResponse::OK;
  answer.statuses.push_back(unmatched);
  EnvoyDescriptorStatus unlimited = unmatched;
  unlimited.limit_remaining = std::numeric_limits<uint32_t>::max();
  answer.statuses.push_back(unlimited);
  answer.response_headers_to_add = {{"RateLimit-Limit", "5"}, {"RateLimit-Remaining", "0"},
                                    {"RateLimit-Reset", "1"}};
  ExpectSameAsProtobuf(answer);
}

// Present sub-messages whose every field is at its default still encode (as an empty message),
// and an unnamed limit leaves the name out.
TEST(EnvoyWireTest, PresentButEmptySubMessages) {
  EnvoyAnswer answer;
  EnvoyDescriptorStatus s;
  s.has_current_limit = true;
  s.has_duration_until_reset = true;
  answer.statuses.push_back(s);
  answer.response_headers_to_add.push_back({"", ""});
  ExpectSameAsProtobuf(answer);
  RateLimitResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(Wire(answer)));
  EXPECT_TRUE(parsed.statuses(0).has_current_limit());
  EXPECT_TRUE(parsed.statuses(0).has_duration_until_reset());
}

// Extremes: lengths past one varint byte, negative enum and int32 values (ten-byte varints),
// the largest integers.
TEST(EnvoyWireTest, Extremes) {
  EnvoyAnswer answer;
  answer.overall_code = static_cast<RateLimitResponse::Code>(-1);
  EnvoyDescriptorStatus s = Limited(std::numeric_limits<uint32_t>::max());
  s.limit_name = std::string(300, 'n');
  s.requests_per_unit = std::numeric_limits<uint32_t>::max();
  s.unit = static_cast<RateLimitResponse::RateLimit::Unit>(-7);
  s.reset_seconds = std::numeric_limits<int64_t>::max();
  s.reset_nanos = -999'999'999;
  answer.statuses.push_back(s);
  s.reset_seconds = std::numeric_limits<int64_t>::min();
  s.code = static_cast<RateLimitResponse::Code>(std::numeric_limits<int32_t>::min());
  answer.statuses.push_back(s);
  answer.response_headers_to_add.push_back({std::string(200, 'k'), std::string(20000, 'v')});
  ExpectSameAsProtobuf(answer);
}

// Random answers, every field independently default or not.
TEST(EnvoyWireTest, RandomAnswersMatchProtobuf) {
  std::mt19937_64 rng(20261124);
  auto chance = [&rng] { return rng() % 2 == 0; };
  auto number = [&rng]() -> uint64_t {
    switch (rng() % 4) {
      case 0: return 0;
      case 1: return rng() % 128;
      case 2: return rng() % 100'000;
      default: return rng();
    }
  };
  auto text = [&rng] { return std::string(rng() % 3 == 0 ? 0 : rng() % 200, 'a' + rng() % 26); };
  for (int round = 0; round < 2000; ++round) {
    EnvoyAnswer answer;
    answer.overall_code = static_cast<RateLimitResponse::Code>(rng() % 3);
    const int statuses = static_cast<int>(rng() % 20);
    for (int i = 0; i < statuses; ++i) {
      EnvoyDescriptorStatus s;
      s.code = static_cast<RateLimitResponse::Code>(rng() % 3);
      s.has_current_limit = chance();
      if (s.has_current_limit) {
        s.limit_name = text();
        s.requests_per_unit = static_cast<uint32_t>(number());
        s.unit = static_cast<RateLimitResponse::RateLimit::Unit>(rng() % 8);
      }
      s.limit_remaining = static_cast<uint32_t>(number());
      s.has_duration_until_reset = chance();
      if (s.has_duration_until_reset) {
        s.reset_seconds = static_cast<int64_t>(number());
        s.reset_nanos = static_cast<int32_t>(number() % 1'000'000'000);
      }
      answer.statuses.push_back(std::move(s));
    }
    const int headers = static_cast<int>(rng() % 4);
    for (int i = 0; i < headers; ++i) answer.response_headers_to_add.push_back({text(), text()});
    ExpectSameAsProtobuf(answer);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "round " << round;
      return;
    }
  }
}

TEST(EnvoyWireTest, BufferHoldsTheSameBytes) {
  EnvoyAnswer answer;
  answer.overall_code = RateLimitResponse::OK;
  answer.statuses.push_back(Limited(3));
  grpc::ByteBuffer buffer = EnvoyWireBuffer(answer);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  EXPECT_EQ(bytes, Wire(answer));
}

}  // namespace
}  // namespace sluice::api
