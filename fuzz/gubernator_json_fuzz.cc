// The Gubernator JSON codec (api/gubernator_json.h) against protobuf's, on any bytes: the fast
// parser must give exactly ParseJson's result (the same status, the same message), and the fast
// printer exactly ToJson's text for any response that protobuf can parse from the same bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/util/message_differencer.h>

#include "api/gubernator_json.h"
#include "api/json.h"
#include "fuzz_check.h"

using pb::gubernator::GetRateLimitsReq;
using pb::gubernator::GetRateLimitsResp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  GetRateLimitsReq fast;
  GetRateLimitsReq generic;
  const absl::Status fast_status = sluice::api::ParseGetRateLimitsReq(text, &fast);
  const absl::Status generic_status = sluice::api::ParseJson(text, &generic);
  FUZZ_CHECK(fast_status == generic_status, "parse status differs from ParseJson");
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(fast, generic),
             "parsed request differs from ParseJson");

  // The same bytes as a binary response: the printer must match protobuf's JSON.
  GetRateLimitsResp resp;
  if (resp.ParseFromArray(data, static_cast<int>(size))) {
    FUZZ_CHECK(sluice::api::GetRateLimitsRespToJson(resp) == sluice::api::ToJson(resp),
               "printed response differs from ToJson");
  }
  return 0;
}
