#include "api/envoy_answer.h"

namespace sluice::api {

void ToProto(const EnvoyAnswer& answer, envoy::service::ratelimit::v3::RateLimitResponse* out) {
  out->Clear();
  out->set_overall_code(answer.overall_code);
  auto* statuses = out->mutable_statuses();
  statuses->Reserve(static_cast<int>(answer.statuses.size()));
  for (const EnvoyDescriptorStatus& s : answer.statuses) {
    auto* status = statuses->Add();
    status->set_code(s.code);
    if (s.has_current_limit) {
      auto* limit = status->mutable_current_limit();
      limit->set_name(s.limit_name);
      limit->set_requests_per_unit(s.requests_per_unit);
      limit->set_unit(s.unit);
    }
    status->set_limit_remaining(s.limit_remaining);
    if (s.has_duration_until_reset) {
      auto* reset = status->mutable_duration_until_reset();
      reset->set_seconds(s.reset_seconds);
      reset->set_nanos(s.reset_nanos);
    }
  }
  for (const EnvoyHeader& h : answer.response_headers_to_add) {
    auto* header = out->add_response_headers_to_add();
    header->set_key(h.key);
    header->set_value(h.value);
  }
}

}  // namespace sluice::api
