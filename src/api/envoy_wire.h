// The Envoy answer in RateLimitResponse's wire format, written directly: what gRPC sends for
// ShouldRateLimit. The bytes are exactly what the generated message would serialize to for the
// same fields (ToProto(answer).SerializeAsString()), field by field in number order, defaults
// left out; envoy_wire_test checks that on random answers.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include <grpcpp/support/byte_buffer.h>

#include "api/envoy_answer.h"

namespace sluice::api {

// Bytes the encoding of `answer` takes.
size_t EnvoyWireSize(const EnvoyAnswer& answer);

// Writes the encoding to `out`, which has EnvoyWireSize(answer) bytes; returns the end.
uint8_t* WriteEnvoyWire(const EnvoyAnswer& answer, uint8_t* out);

// The encoding in one gRPC slice, as a raw gRPC method answers.
grpc::ByteBuffer EnvoyWireBuffer(const EnvoyAnswer& answer);

}  // namespace sluice::api
