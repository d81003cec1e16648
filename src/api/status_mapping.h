// Mapping of absl::Status to gRPC status codes. Only doors use it; the HTTP statuses and error
// bodies are net/http_error.h.
#pragma once

#include <string>

#include "absl/status/status.h"
#include <grpcpp/support/status.h>

namespace sluice::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace sluice::api
