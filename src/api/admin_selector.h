// AdminSelector: which counters a counter-admin call (docs/api.md "Counter admin") addresses,
// parsed from the URL query string of GET /v1/admin/counters and POST /v1/admin/reset:
//
//   domain=D&descriptor=k1=v1,k2=v2     the counters an Envoy descriptor of domain D maps to
//                                       (every limit of a `rate_limits` rule)
//   name=N&unique_key=K&limit=L&duration=MS[&algorithm=A]
//                                       one Gubernator key; Gubernator keeps limit, duration and
//                                       algorithm per request, not per key, so the call gives
//                                       the ones its clients send (A: 0 token bucket, the
//                                       default; 1 leaky bucket; 3 sliding window)
//
// Values are URL-decoded (%XX and '+') before the descriptor is split on ',' and '=', so a
// descriptor key or value holding ',' or '=' cannot be selected. Every problem is an
// InvalidArgument naming the parameter.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice::api {

struct AdminSelector {
  // An Envoy descriptor: domain and entries (key, value); a value may be "" (a key-only entry).
  std::string domain;
  std::vector<std::pair<std::string, std::string>> entries;
  // A Gubernator key (when `name` is set; `domain` is then empty).
  std::string name;
  std::string unique_key;
  int64_t limit = 0;
  int64_t duration = 0;  // milliseconds
  int32_t algorithm = 0;

  bool is_envoy() const { return !domain.empty(); }
};

// Parses a query string ("a=1&b=2", without the '?').
absl::StatusOr<AdminSelector> ParseAdminSelector(absl::string_view query);

// URL-decodes one query component: %XX and '+' (a space). InvalidArgument on a bad %-escape.
absl::StatusOr<std::string> DecodeQueryComponent(absl::string_view text);

}  // namespace sluice::api
