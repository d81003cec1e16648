#include "rules/replaces.h"

#include <algorithm>
#include <string>

#include "absl/container/inlined_vector.h"

namespace sluice::rules {
namespace {

// True if some matched limit lists `name` in its `replaces`.
bool IsReplaced(const std::string& name, absl::Span<const RuleHit> hits) {
  for (const RuleHit& hit : hits) {
    if (hit.policy == nullptr) continue;
    const std::vector<std::string>& replaces = hit.policy->replaces;
    if (std::find(replaces.begin(), replaces.end(), name) != replaces.end()) return true;
  }
  return false;
}

}  // namespace

int ApplyReplaces(absl::Span<RuleHit> hits) {
  // Decide every drop against the full set first (a replaced limit's own `replaces` still count),
  // then drop, so the result does not depend on descriptor order.
  absl::InlinedVector<size_t, 8> replaced;
  for (size_t i = 0; i < hits.size(); ++i) {
    const RateLimitPolicy* policy = hits[i].policy;
    // An unlimited rule is never replaced (the reference drops it from the limits to check
    // before applying `replaces`); its own `replaces` still count.
    if (policy == nullptr || policy->unlimited) continue;
    // A descriptor with several limits (`rate_limits`) goes whole when any of them is replaced.
    bool is_replaced = !policy->name.empty() && IsReplaced(policy->name, hits);
    for (const RateLimitPolicy& more : hits[i].additional_policies) {
      is_replaced = is_replaced || (!more.name.empty() && IsReplaced(more.name, hits));
    }
    if (is_replaced) replaced.push_back(i);
  }
  for (size_t i : replaced) hits[i] = RuleHit{};
  return static_cast<int>(replaced.size());
}

}  // namespace sluice::rules
