// A fast JSON codec for the two messages on the HTTP gateway's hot path, POST /v1/GetRateLimits:
// parse GetRateLimitsReq and print GetRateLimitsResp. The results are exactly those of the generic
// ParseJson / ToJson (api/json.h), which cost most of the gateway's CPU.
//
// How exactness is kept: the fast paths handle only shapes whose protobuf result is known and
// tested, and hand everything else — syntax errors, floats, out-of-range or oddly written
// integers, unknown enum names, duplicate fields, escaped keys, invalid UTF-8, maps with two or
// more entries on output, … — to protobuf on the whole message. gubernator_json_test.cc checks
// both directions differentially against protobuf.
//
// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gubernator.pb.h"

namespace sluice::api {

// INVALID_ARGUMENT naming the problem when `json` is not a valid request (same result as
// ParseJson, including leaving *req untouched on error).
absl::Status ParseGetRateLimitsReq(std::string_view json, pb::gubernator::GetRateLimitsReq* req);

// Byte-identical to ToJson(resp).
std::string GetRateLimitsRespToJson(const pb::gubernator::GetRateLimitsResp& resp);

namespace internal {

// The fast paths alone, exposed so tests can check which inputs stay on them. Each returns false
// when only protobuf can answer: the parser then leaves *req untouched, the printer leaves *json
// unspecified.
bool TryParseGetRateLimitsReqFast(std::string_view json, pb::gubernator::GetRateLimitsReq* req);
bool TryGetRateLimitsRespToJsonFast(const pb::gubernator::GetRateLimitsResp& resp,
                                    std::string* json);

}  // namespace internal
}  // namespace sluice::api
