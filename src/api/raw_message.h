// RawMessage: reading and writing the protobuf message of a raw gRPC method (a method whose
// request and response stay grpc::ByteBuffer, so the service parses them itself, onto its own
// arena). gRPC core hands a raw method whatever the frame held, so the checks a typed method
// would skip are made here, with the status grpc-go (Gubernator's server) gives:
// - no readable message (a frame flag other than 0 or 1, or a compressed frame gRPC could not
//   decompress): INTERNAL;
// - bytes that are not the message: INTERNAL "grpc: error unmarshalling request: ...";
// - a content-type other than application/grpc[+proto]: INTERNAL naming it (grpc-go answers
//   HTTP 415, which gRPC core cannot send from a handler).
//
// Thread safety: pure functions; callable from any thread.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"

namespace sluice::api {

// Checks the call's content-type and parses `bytes` into `out`; INTERNAL naming the problem.
absl::Status ParseRawRequest(const grpc::CallbackServerContext& ctx, const grpc::ByteBuffer& bytes,
                             google::protobuf::Message* out);

// The wire bytes of `message` in one ByteBuffer, as a raw method answers.
grpc::ByteBuffer SerializeRaw(const google::protobuf::Message& message);

}  // namespace sluice::api
