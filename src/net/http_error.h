// HTTP answers for errors: grpc-gateway's HTTP status for a status code and its JSON error body
// (reference/gubernator.md §1.3). Every HTTP route of the node, and the server itself for a
// malformed request, answers errors this way.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace sluice::net {

// grpc-gateway's HTTP status for a gRPC code, e.g. INVALID_ARGUMENT and OUT_OF_RANGE → 400,
// UNAVAILABLE → 503.
int HttpStatusFor(absl::StatusCode code);

// {"code":<grpc code>,"message":"...","details":[]}
std::string GatewayErrorJson(const absl::Status& status);

}  // namespace sluice::net
