#include "api/decision_trace.h"

#include "fmt/format.h"
#include "spdlog/spdlog.h"

namespace sluice::api {
namespace {

std::string_view AlgorithmName(int32_t algorithm) {
  switch (algorithm) {
    case static_cast<int32_t>(core::Algorithm::kTokenBucket): return "token_bucket";
    case static_cast<int32_t>(core::Algorithm::kLeakyBucket): return "leaky_bucket";
    default: return "fixed_window";
  }
}

}  // namespace

bool DecisionTrace::Enabled() { return spdlog::should_log(spdlog::level::trace); }

void DecisionTrace::Capture(const core::RateLimitRequest& request, std::string_view rule) {
  requests_.push_back(fmt::format("key={}{}{} limit={} duration_ms={} algorithm={} hits={}",
                                  core::HashKey(request.name, request.unique_key),
                                  rule.empty() ? "" : " rule=", rule, request.limit,
                                  request.duration, AlgorithmName(request.algorithm),
                                  request.hits));
}

void DecisionTrace::Log(std::string_view door,
                        const std::vector<cluster::RoutedResponse>& results) const {
  for (size_t i = 0; i < requests_.size() && i < results.size(); ++i) {
    const core::RateLimitResponse& r = results[i].response;
    const std::string outcome =
        !r.error.empty() ? fmt::format("error ({})", r.error)
        : r.status == core::Status::kOverLimit ? std::string("OVER_LIMIT")
                                                : std::string("UNDER_LIMIT");
    spdlog::trace("decision {}: {} -> {} remaining={}{}", door, requests_[i], outcome,
                  r.remaining, results[i].owner.empty() ? "" : " owner=" + results[i].owner);
  }
}

}  // namespace sluice::api
