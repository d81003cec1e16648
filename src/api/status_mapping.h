// Mapping of absl::Status to the wire: gRPC status codes, and HTTP statuses with
// grpc-gateway's JSON error body (reference/gubernator.md §1.3). Only doors use these.
#pragma once

#include <string>

#include "absl/status/status.h"
#include <grpcpp/support/status.h>

namespace sluice::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

// grpc-gateway's HTTP status for a gRPC code, e.g. INVALID_ARGUMENT and OUT_OF_RANGE → 400,
// UNAVAILABLE → 503.
int HttpStatusFor(absl::StatusCode code);

// {"code":<grpc code>,"message":"...","details":[]}
std::string GatewayErrorJson(const absl::Status& status);

}  // namespace sluice::api
