// The raw ShouldRateLimit door: any bytes as the gRPC message, parsed by ParseEnvoyRequest onto a
// call arena as the service does, answered on the example rules, and the answer written as wire
// bytes by api/envoy_wire.h, which must equal the generated message's serialization.

#include <cstddef>
#include <cstdint>
#include <string>

#include <grpcpp/support/byte_buffer.h>

#include "api/envoy_service.h"
#include "api/envoy_wire.h"
#include "envoy_door.h"

using envoy::service::ratelimit::v3::RateLimitResponse;

namespace {

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  FUZZ_CHECK(buffer.Dump(&slices).ok(), "the answer's buffer must dump");
  std::string out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* door = new sluice::fuzz::EnvoyDoor();
  grpc::Slice slice(data, size);
  const grpc::ByteBuffer request(&slice, 1);
  sluice::api::EnvoyCall call;
  if (!sluice::api::ParseEnvoyRequest(request, call.request)) return 0;
  if (!door->Call(*call.request, &call.answer).ok()) return 0;

  RateLimitResponse expected;
  sluice::api::ToProto(call.answer, &expected);
  FUZZ_CHECK(Bytes(sluice::api::EnvoyWireBuffer(call.answer)) == expected.SerializeAsString(),
             "wire bytes differ from the generated message's");
  return 0;
}
