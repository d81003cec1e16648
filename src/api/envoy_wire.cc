#include "api/envoy_wire.h"

#include <string>

#include <google/protobuf/io/coded_stream.h>
#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

namespace sluice::api {
namespace {

using google::protobuf::io::CodedOutputStream;

// Field numbers (reference/envoy_rls.md §1.7).
namespace field {
// RateLimitResponse
constexpr uint32_t kOverallCode = 1;
constexpr uint32_t kStatuses = 2;
constexpr uint32_t kResponseHeadersToAdd = 3;
// RateLimitResponse.DescriptorStatus
constexpr uint32_t kCode = 1;
constexpr uint32_t kCurrentLimit = 2;
constexpr uint32_t kLimitRemaining = 3;
constexpr uint32_t kDurationUntilReset = 4;
// RateLimitResponse.RateLimit
constexpr uint32_t kRequestsPerUnit = 1;
constexpr uint32_t kUnit = 2;
constexpr uint32_t kName = 3;
// google.protobuf.Duration
constexpr uint32_t kSeconds = 1;
constexpr uint32_t kNanos = 2;
// envoy.config.core.v3.HeaderValue
constexpr uint32_t kKey = 1;
constexpr uint32_t kValue = 2;
}  // namespace field

constexpr uint8_t kVarint = 0;
constexpr uint8_t kLengthDelimited = 2;
// Every field number here is below 16, so each tag is one byte.
constexpr uint8_t Tag(uint32_t number, uint8_t wire_type) {
  return static_cast<uint8_t>(number << 3 | wire_type);
}

// Sizes of one field with its tag; 0 when the value is the default (not encoded). An enum
// encodes as an int32: a negative value sign-extends to ten bytes.
size_t Int32Field(int32_t v) {
  return v == 0 ? 0 : 1 + CodedOutputStream::VarintSize32SignExtended(v);
}
size_t Uint32Field(uint32_t v) { return v == 0 ? 0 : 1 + CodedOutputStream::VarintSize32(v); }
size_t Int64Field(int64_t v) {
  return v == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(static_cast<uint64_t>(v));
}
size_t BytesField(size_t size) {
  return 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(size)) + size;
}
size_t StringField(const std::string& s) { return s.empty() ? 0 : BytesField(s.size()); }

uint8_t* PutInt32(uint32_t number, int32_t v, uint8_t* out) {
  if (v == 0) return out;
  *out++ = Tag(number, kVarint);
  return CodedOutputStream::WriteVarint32SignExtendedToArray(v, out);
}
uint8_t* PutUint32(uint32_t number, uint32_t v, uint8_t* out) {
  if (v == 0) return out;
  *out++ = Tag(number, kVarint);
  return CodedOutputStream::WriteVarint32ToArray(v, out);
}
uint8_t* PutInt64(uint32_t number, int64_t v, uint8_t* out) {
  if (v == 0) return out;
  *out++ = Tag(number, kVarint);
  return CodedOutputStream::WriteVarint64ToArray(static_cast<uint64_t>(v), out);
}
// The tag and length of a length-delimited field whose body follows.
uint8_t* PutLength(uint32_t number, size_t size, uint8_t* out) {
  *out++ = Tag(number, kLengthDelimited);
  return CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(size), out);
}
uint8_t* PutString(uint32_t number, const std::string& s, uint8_t* out) {
  if (s.empty()) return out;
  *out++ = Tag(number, kLengthDelimited);
  return CodedOutputStream::WriteStringWithSizeToArray(s, out);
}

size_t LimitSize(const EnvoyDescriptorStatus& s) {
  return Uint32Field(s.requests_per_unit) + Int32Field(s.unit) + StringField(s.limit_name);
}
size_t DurationSize(const EnvoyDescriptorStatus& s) {
  return Int64Field(s.reset_seconds) + Int32Field(s.reset_nanos);
}
size_t StatusSize(const EnvoyDescriptorStatus& s) {
  size_t size = Int32Field(s.code) + Uint32Field(s.limit_remaining);
  if (s.has_current_limit) size += BytesField(LimitSize(s));
  if (s.has_duration_until_reset) size += BytesField(DurationSize(s));
  return size;
}
size_t HeaderSize(const EnvoyHeader& h) { return StringField(h.key) + StringField(h.value); }

}  // namespace

size_t EnvoyWireSize(const EnvoyAnswer& answer) {
  size_t size = Int32Field(answer.overall_code);
  for (const EnvoyDescriptorStatus& s : answer.statuses) size += BytesField(StatusSize(s));
  for (const EnvoyHeader& h : answer.response_headers_to_add) size += BytesField(HeaderSize(h));
  return size;
}

uint8_t* WriteEnvoyWire(const EnvoyAnswer& answer, uint8_t* out) {
  out = PutInt32(field::kOverallCode, answer.overall_code, out);
  for (const EnvoyDescriptorStatus& s : answer.statuses) {
    out = PutLength(field::kStatuses, StatusSize(s), out);
    out = PutInt32(field::kCode, s.code, out);
    if (s.has_current_limit) {
      out = PutLength(field::kCurrentLimit, LimitSize(s), out);
      out = PutUint32(field::kRequestsPerUnit, s.requests_per_unit, out);
      out = PutInt32(field::kUnit, s.unit, out);
      out = PutString(field::kName, s.limit_name, out);
    }
    out = PutUint32(field::kLimitRemaining, s.limit_remaining, out);
    if (s.has_duration_until_reset) {
      out = PutLength(field::kDurationUntilReset, DurationSize(s), out);
      out = PutInt64(field::kSeconds, s.reset_seconds, out);
      out = PutInt32(field::kNanos, s.reset_nanos, out);
    }
  }
  for (const EnvoyHeader& h : answer.response_headers_to_add) {
    out = PutLength(field::kResponseHeadersToAdd, HeaderSize(h), out);
    out = PutString(field::kKey, h.key, out);
    out = PutString(field::kValue, h.value, out);
  }
  return out;
}

grpc::ByteBuffer EnvoyWireBuffer(const EnvoyAnswer& answer) {
  const size_t size = EnvoyWireSize(answer);
  grpc_slice slice = grpc_slice_malloc(size);
  WriteEnvoyWire(answer, GRPC_SLICE_START_PTR(slice));
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

}  // namespace sluice::api
