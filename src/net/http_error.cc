#include "net/http_error.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace sluice::net {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kCancelled: return 499;
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists: return 409;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kFailedPrecondition: return 400;
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kUnauthenticated: return 401;
    default: return 500;
  }
}

std::string GatewayErrorJson(const absl::Status& status) {
  // protobuf's JSON writer escapes the message; the field order is grpc-gateway's.
  google::protobuf::Value message;
  message.set_string_value(std::string(status.message()));
  std::string escaped;
  (void)google::protobuf::util::MessageToJsonString(message, &escaped);
  return "{\"code\":" + std::to_string(static_cast<int>(status.code())) +
         ",\"message\":" + escaped + ",\"details\":[]}";
}

}  // namespace sluice::net
