// RawMessage: reading and writing the protobuf message of a raw gRPC method (a method whose
// request and response stay grpc::ByteBuffer, so the service parses them itself, onto its own
// arena). gRPC core hands a raw method whatever the frame held, so the checks a typed method
// would skip are made here, with the status grpc-go (Gubernator's server) gives:
// - no readable message (a frame flag other than 0 or 1, or a compressed frame gRPC could not
//   decompress): INTERNAL;
// - bytes that are not the message: INTERNAL "grpc: error unmarshalling request: ...".
// gRPC core 1.51 does not pass the content-type on, and hands some bad frames over as an empty
// message; neither can be seen here (docs/compatibility.md, grpc-frame-flags).
//
// Thread safety: pure functions; callable from any thread.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"

namespace sluice::api {

// Parses `bytes` into `out`; INTERNAL naming the problem.
absl::Status ParseRawRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message* out);

// The wire bytes of `message` in one ByteBuffer, as a raw method answers.
grpc::ByteBuffer SerializeRaw(const google::protobuf::Message& message);

}  // namespace sluice::api
