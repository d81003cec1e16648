// EnvoyAnswer: the Envoy door's answer before it is encoded. It holds the RateLimitResponse
// fields Sluice writes, as plain values.
//
// The door fills this instead of the generated message, whose every status needs three arena
// messages (DescriptorStatus, its RateLimit and its Duration). gRPC gets the answer straight as
// wire bytes (api/envoy_wire.h); HTTP /json and tests convert it with ToProto. Both encodings
// write the same fields, so they cannot disagree about what was decided.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "envoy/service/ratelimit/v3/rls.pb.h"

namespace sluice::api {

// One descriptor's status (RateLimitResponse.DescriptorStatus). A field at its default is not
// encoded, as proto3 does.
struct EnvoyDescriptorStatus {
  using Code = envoy::service::ratelimit::v3::RateLimitResponse::Code;
  using Unit = envoy::service::ratelimit::v3::RateLimitResponse::RateLimit::Unit;

  Code code = envoy::service::ratelimit::v3::RateLimitResponse::UNKNOWN;
  // current_limit, present when has_current_limit.
  bool has_current_limit = false;
  std::string limit_name;
  uint32_t requests_per_unit = 0;
  Unit unit = envoy::service::ratelimit::v3::RateLimitResponse::RateLimit::UNKNOWN;
  uint32_t limit_remaining = 0;
  // duration_until_reset, present when has_duration_until_reset.
  bool has_duration_until_reset = false;
  int64_t reset_seconds = 0;
  int32_t reset_nanos = 0;
};

// A response header to add (envoy.config.core.v3.HeaderValue, key and value).
struct EnvoyHeader {
  std::string key;
  std::string value;
};

// Inline capacity for statuses: Envoy sends a handful of descriptors per request, rarely more
// than a dozen.
inline constexpr size_t kInlineEnvoyStatuses = 16;

struct EnvoyAnswer {
  envoy::service::ratelimit::v3::RateLimitResponse::Code overall_code =
      envoy::service::ratelimit::v3::RateLimitResponse::UNKNOWN;
  absl::InlinedVector<EnvoyDescriptorStatus, kInlineEnvoyStatuses> statuses;
  std::vector<EnvoyHeader> response_headers_to_add;
};

// The generated message with the same fields; `out` is overwritten.
void ToProto(const EnvoyAnswer& answer, envoy::service::ratelimit::v3::RateLimitResponse* out);

}  // namespace sluice::api
