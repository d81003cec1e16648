// The Envoy door's POST /json body: any bytes through ParseJson into a RateLimitRequest, then,
// when it parses, the door's answer on the example rules and its JSON encoding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/json.h"
#include "envoy_door.h"

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* door = new sluice::fuzz::EnvoyDoor();
  RateLimitRequest req;
  if (!sluice::api::ParseJson(std::string_view(reinterpret_cast<const char*>(data), size), &req)
           .ok()) {
    return 0;
  }
  RateLimitResponse resp;
  if (door->Call(req, &resp).ok()) {
    FUZZ_CHECK(resp.statuses_size() == req.descriptors_size(), "one status per descriptor");
    (void)sluice::api::ToJson(resp);
  }
  return 0;
}
