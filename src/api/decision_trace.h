// DecisionTrace: at log level `trace`, one line per rate-limit decision of a door — the key, the
// rule (limit, duration, algorithm; the Envoy rule's name) and the outcome — so an operator can
// see why a request was limited. Off (the level check alone) at every other level.
//
// A door calls Capture() before handing its requests to the router (which takes them) and Log()
// with the routed results, position by position.
//
// Thread safety: a value type; its own instance per call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cluster/router.h"
#include "core/rate_limit.h"

namespace sluice::api {

class DecisionTrace {
 public:
  // Whether trace lines are logged now.
  static bool Enabled();

  // Records what Log() will name for `request`; `rule` is the Envoy rule ("" for Gubernator).
  void Capture(const core::RateLimitRequest& request, std::string_view rule = "");
  bool empty() const { return requests_.empty(); }

  // One line per captured request with its result; `door` is "gubernator" or "envoy".
  void Log(std::string_view door, const std::vector<cluster::RoutedResponse>& results) const;

 private:
  std::vector<std::string> requests_;
};

}  // namespace sluice::api
