#include "rules/rules_metrics.h"

#include <string_view>

namespace sluice::rules {
namespace {

constexpr std::string_view kReloads =
    "Envoy rule reloads, by result (success, or failure: the previous rules stay in force).";

}  // namespace

RulesMetrics::RulesMetrics(obs::Registry& r)
    : reloads_success(
          r.AddCounter("sluice_rules_reloads_total", kReloads, {{"result", "success"}})),
      reloads_failure(
          r.AddCounter("sluice_rules_reloads_total", kReloads, {{"result", "failure"}})) {}

}  // namespace sluice::rules
