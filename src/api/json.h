// Proto3 JSON the way Gubernator's grpc-gateway speaks it (reference/gubernator.md §1.3):
// output with proto field names, zero values emitted, int64 as strings and enums as names;
// input accepts proto and lowerCamel names, int64 as string or number, enums as name or number,
// and ignores unknown fields. Protobuf's own JSON utilities do the mapping.
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace sluice::api {

// Deepest nesting of arrays and objects ParseJson accepts. Every request message Sluice reads
// nests at most 6 levels (Envoy's descriptors with a limit override).
inline constexpr int kMaxJsonDepth = 64;

// INVALID_ARGUMENT naming the problem when `json` is not a valid `message`, or nests deeper
// than kMaxJsonDepth (checked first, in one pass: parse memory stays proportional to the body).
absl::Status ParseJson(std::string_view json, google::protobuf::Message* message);

std::string ToJson(const google::protobuf::Message& message);

}  // namespace sluice::api
