#include "api/admin_counters.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/counter_request.h"
#include "common/json_string.h"
#include "rules/resolve_limits.h"

namespace sluice::api {
namespace {

std::string_view GubernatorAlgorithmName(int32_t algorithm) {
  switch (static_cast<core::Algorithm>(algorithm)) {
    case core::Algorithm::kLeakyBucket:
      return "leaky_bucket";
    case core::Algorithm::kSlidingWindow:
      return "sliding_window";
    case core::Algorithm::kFixedWindow:
      return "fixed_window";
    case core::Algorithm::kTokenBucket:
      break;
  }
  return "token_bucket";
}

}  // namespace

void AdminCounters::Run(const AdminSelector& selector, bool reset, Done done) const {
  const int64_t now = clock_.NowMillis();
  const int32_t behavior = reset ? core::behavior::kResetRemaining : 0;
  std::vector<core::RateLimitRequest> requests;
  std::vector<AdminCounter> counters;  // index-aligned with requests: what the rules say
  if (selector.is_envoy()) {
    const rules::RuleSet& rules = rules_.Pinned();
    std::vector<rules::DescriptorEntry> entries;
    for (const auto& [key, value] : selector.entries) entries.emplace_back(key, value);
    const rules::DescriptorRequest descriptor{.entries = entries, .hits_addend = 0};
    rules::Resolution resolution;
    if (absl::Status s = rules::ResolveLimits(rules, selector.domain, {&descriptor, 1}, 0,
                                              resolution);
        !s.ok()) {
      std::move(done)(std::move(s));
      return;
    }
    if (resolution.outcomes[0] == rules::DescriptorOutcome::kUnlimited) {
      std::move(done)(AdminAnswer{.unlimited = true, .now = now});
      return;
    }
    if (resolution.outcomes[0] == rules::DescriptorOutcome::kUnmatched) {
      std::move(done)(absl::NotFoundError(absl::StrCat("no rule of domain '", selector.domain,
                                                       "' matches this descriptor")));
      return;
    }
    for (rules::ResolvedLimit& limit : resolution.limits) {
      counters.push_back(AdminCounter{.limit_name = std::string(limit.name),
                                      .algorithm = std::string(
                                          rules::RuleAlgorithmName(limit.algorithm))});
      requests.push_back(CounterRequest(limit, now, behavior));
    }
  } else {
    counters.push_back(
        AdminCounter{.algorithm = std::string(GubernatorAlgorithmName(selector.algorithm))});
    requests.push_back(core::RateLimitRequest{.name = selector.name,
                                              .unique_key = selector.unique_key,
                                              .limit = selector.limit,
                                              .duration = selector.duration,
                                              .algorithm = selector.algorithm,
                                              .behavior = behavior,
                                              .created_at = now});
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    counters[i].key = core::HashKey(requests[i].name, requests[i].unique_key);
  }
  router_.Route(std::move(requests), now,
                [counters = std::move(counters), now, done = std::move(done)](
                    std::vector<cluster::RoutedResponse> results) mutable {
                  AdminAnswer answer{.now = now};
                  for (size_t i = 0; i < counters.size(); ++i) {
                    const core::RateLimitResponse& r = results.at(i).response;
                    if (!r.error.empty()) {
                      std::move(done)(absl::UnavailableError(
                          absl::StrCat("counter '", counters[i].key, "': ", r.error)));
                      return;
                    }
                    AdminCounter& c = counters[i];
                    c.limit = r.limit;
                    c.remaining = r.remaining;
                    c.count = std::max<int64_t>(0, r.limit - std::max<int64_t>(0, r.remaining));
                    c.reset_time = r.reset_time;
                    c.owner = std::move(results[i].owner);
                    answer.counters.push_back(std::move(c));
                  }
                  std::move(done)(std::move(answer));
                });
}

std::string AdminAnswerJson(const AdminAnswer& answer) {
  using common::JsonString;
  std::string out = absl::StrCat("{\"unlimited\":", answer.unlimited ? "true" : "false",
                                 ",\"counters\":[");
  for (size_t i = 0; i < answer.counters.size(); ++i) {
    const AdminCounter& c = answer.counters[i];
    absl::StrAppend(&out, i > 0 ? "," : "", "{\"key\":", JsonString(c.key),
                    ",\"name\":", JsonString(c.limit_name),
                    ",\"algorithm\":", JsonString(c.algorithm), ",\"limit\":", c.limit,
                    ",\"count\":", c.count, ",\"remaining\":", c.remaining,
                    ",\"reset_time\":", c.reset_time, ",\"duration_until_reset_ms\":",
                    std::max<int64_t>(0, c.reset_time - answer.now), ",\"owner\":", JsonString(c.owner),
                    "}");
  }
  out += "]}";
  return out;
}

}  // namespace sluice::api
