#include "rules/replaces.h"

#include <algorithm>
#include <string>

#include "absl/container/inlined_vector.h"

namespace sluice::rules {
namespace {

// True if some matched limit lists `name` in its `replaces`.
bool IsReplaced(const std::string& name, absl::Span<const std::optional<RuleMatch>> matches) {
  for (const std::optional<RuleMatch>& match : matches) {
    if (!match.has_value()) continue;
    const std::vector<std::string>& replaces = match->policy->replaces;
    if (std::find(replaces.begin(), replaces.end(), name) != replaces.end()) return true;
  }
  return false;
}

}  // namespace

int ApplyReplaces(absl::Span<std::optional<RuleMatch>> matches) {
  // Decide every drop against the full set first (a replaced limit's own `replaces` still count),
  // then drop, so the result does not depend on descriptor order.
  absl::InlinedVector<size_t, 8> replaced;
  for (size_t i = 0; i < matches.size(); ++i) {
    const std::optional<RuleMatch>& match = matches[i];
    if (!match.has_value() || match->policy->name.empty()) continue;
    if (IsReplaced(match->policy->name, matches)) replaced.push_back(i);
  }
  for (size_t i : replaced) matches[i].reset();
  return static_cast<int>(replaced.size());
}

}  // namespace sluice::rules
