#include "rules/resolve_limits.h"

#include <algorithm>

#include "absl/container/fixed_array.h"
#include "absl/strings/str_cat.h"
#include "rules/counter_key.h"
#include "rules/replaces.h"

namespace sluice::rules {
namespace {

absl::Status ValidateDescriptor(int i, const DescriptorRequest& d) {
  if (d.entries.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("descriptor ", i, " has no entries"));
  }
  for (size_t j = 0; j < d.entries.size(); ++j) {
    if (d.entries[j].first.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptor ", i, " entry ", j, " has an empty key"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ResolveLimits(const RuleSet& rules, std::string_view domain_name,
                           absl::Span<const DescriptorRequest> descriptors,
                           uint64_t request_hits_addend, Resolution& out) {
  out.outcomes.clear();
  out.limits.clear();
  const int n = static_cast<int>(descriptors.size());
  for (int i = 0; i < n; ++i) {
    if (absl::Status status = ValidateDescriptor(i, descriptors[i]); !status.ok()) return status;
  }

  // Rules first for every descriptor, since `replaces` looks across the whole request.
  const Domain* domain = rules.FindDomain(domain_name);
  absl::FixedArray<RuleHit, kInlineDescriptorRequests> hits(n);  // null: no rule, or override
  if (domain != nullptr) {
    for (int i = 0; i < n; ++i) {
      if (!descriptors[i].limit_override) hits[i] = RuleSet::Find(*domain, descriptors[i].entries);
    }
    if (domain->has_replaces) ApplyReplaces(absl::MakeSpan(hits));
  }

  out.outcomes.resize(n, DescriptorOutcome::kUnmatched);
  for (int i = 0; i < n; ++i) {
    const DescriptorRequest& d = descriptors[i];
    const RuleHit& hit = hits[i];
    ResolvedLimit limit{.descriptor = i};
    if (d.limit_override) {
      limit.is_override = true;
      limit.requests_per_unit = d.limit_override->requests_per_unit;
      limit.unit = d.limit_override->unit;
    } else if (hit.policy != nullptr) {
      const RateLimitPolicy& policy = *hit.policy;
      if (policy.unlimited) {
        out.outcomes[i] = DescriptorOutcome::kUnlimited;
        continue;
      }
      limit.name = policy.name;
      limit.requests_per_unit = policy.requests_per_unit;
      limit.unit = policy.unit;
      limit.unit_multiplier = policy.unit_multiplier;
      limit.algorithm = policy.algorithm;
      limit.shadow_mode = hit.shadow_mode;
    } else {
      continue;
    }
    out.outcomes[i] = DescriptorOutcome::kCounted;
    limit.hits = d.hits_addend ? *d.hits_addend : std::max<uint64_t>(1, request_hits_addend);
    limit.one_of_several = !hit.additional_policies.empty();
    limit.store_hash = AppendCounterKey(limit.counter_key, hit, domain_name, d.entries, limit.unit,
                                        limit.unit_multiplier);
    const size_t first = out.limits.size();
    out.limits.push_back(std::move(limit));
    // Every further limit of a `rate_limits` rule: the same descriptor, its own window.
    for (const RateLimitPolicy& more : hit.additional_policies) {
      ResolvedLimit other = out.limits[first];
      other.name = more.name;
      other.requests_per_unit = more.requests_per_unit;
      other.unit = more.unit;
      other.unit_multiplier = more.unit_multiplier;
      other.algorithm = more.algorithm;
      other.counter_key.clear();
      other.store_hash = AppendCounterKey(other.counter_key, hit, domain_name, d.entries,
                                          other.unit, other.unit_multiplier);
      out.limits.push_back(std::move(other));
    }
  }
  return absl::OkStatus();
}

size_t ReportedLimit(absl::Span<const bool> over, absl::Span<const int64_t> remaining) {
  size_t reported = 0;
  for (size_t k = 0; k < over.size(); ++k) {
    if (over[k]) return k;
    if (remaining[k] < remaining[reported]) reported = k;
  }
  return reported;
}

}  // namespace sluice::rules
