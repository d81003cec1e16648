// RuleSet: an immutable snapshot of every loaded domain's rules, and the lookup that finds the
// limit for one request descriptor exactly as envoyproxy/ratelimit does (reference §3.3):
//
//   for each entry (key, value) of the descriptor, at the current tree level:
//     1. the exact node `key_value` (only for a non-empty value);
//     2. else the first wildcard node in config order whose key is `key` and whose value pattern
//        matches `value` (each `*` matches any run, possibly empty);
//     3. else the value-less default node `key`;
//   no node: stop with no limit. The node's limit applies only if it is reached by the LAST entry
//   (the depth must match exactly); otherwise descend into its children. There is no backtracking:
//   once a level has chosen a node, a failure deeper down never retries another node at that level.
//
// Unknown domain, no node, depth mismatch or a node without `rate_limit`: no limit (nullopt).
//
// Thread safety: immutable after Create(); Match() may be called concurrently from any thread and
// allocates nothing unless a wildcard level matched (then it builds the runtime rule id).
// Lifetime: a RuleMatch points into the RuleSet; keep the shared_ptr alive while using it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "rules/rule.h"

namespace sluice::rules {

// One entry of a request descriptor: (key, value).
using DescriptorEntry = std::pair<std::string_view, std::string_view>;

// The limit a descriptor matched.
struct RuleMatch {
  // The matched policy; never null in a returned match. Owned by the RuleSet.
  const RateLimitPolicy* policy = nullptr;
  // The rule's descriptor-level `shadow_mode`: count, but never answer OVER_LIMIT.
  bool shadow_mode = false;
  // The rule in config spelling, "<domain>.<k1>_<v1>.<k2>" with wildcard patterns as written.
  // Bounded cardinality: suitable as a metric label. Owned by the RuleSet.
  std::string_view config_path;
  // Set only when some level matched through a wildcard: config_path with the runtime value in
  // place of each wildcard pattern.
  std::string wildcard_id;

  // Stable identity of the rule instance this descriptor counts against: config_path, except that
  // wildcard levels carry the runtime value (each value matching a wildcard is its own rule).
  std::string_view rule_id() const {
    return wildcard_id.empty() ? config_path : std::string_view(wildcard_id);
  }
};

// What a descriptor matched, without the rule's ids: the request path's lookup.
struct RuleHit {
  // The matched policy, or null for no limit. Owned by the RuleSet.
  const RateLimitPolicy* policy = nullptr;
  // The rule's descriptor-level `shadow_mode`.
  bool shadow_mode = false;
  // The node's further limits (DescriptorNode::additional_policies); empty unless `policy` is set.
  absl::Span<const RateLimitPolicy> additional_policies;
  // The counter key's precomputed parts (DescriptorNode): the whole key, or else the prefix to
  // which the request's last value and the unit are appended; both empty when neither is static.
  std::string_view counter_key;
  std::string_view counter_key_prefix;
  // The store hash of counter_key's store key (DescriptorNode::counter_key_hash); 0 if none.
  uint64_t counter_key_hash = 0;
};

class RuleSet {
 public:
  // Validating factory: rejects two domains with the same name, naming both files
  // ("<file>:<line>: duplicate domain 'x' (already defined at <file>:<line>)").
  static absl::StatusOr<std::shared_ptr<const RuleSet>> Create(std::vector<Domain> domains);

  // An empty set (no domains); every Match() returns nullopt.
  static std::shared_ptr<const RuleSet> Empty();

  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Finds the limit for one descriptor of `domain` (see the file comment). nullopt: no limit.
  std::optional<RuleMatch> Match(std::string_view domain,
                                 absl::Span<const DescriptorEntry> entries) const;
  // The same within `domain` (from FindDomain), for callers matching several descriptors of
  // one domain: the domain is looked up once.
  static std::optional<RuleMatch> Match(const Domain& domain,
                                        absl::Span<const DescriptorEntry> entries);

  // The same lookup as Match, without building the rule's ids (never allocates).
  static RuleHit Find(const Domain& domain, absl::Span<const DescriptorEntry> entries);

  // The domain named `name`, or nullptr.
  const Domain* FindDomain(std::string_view name) const {
    // Most deployments load one domain: compare its name instead of hashing the request's.
    if (only_domain_ != nullptr) return name == only_domain_->name ? only_domain_ : nullptr;
    return FindDomainInMap(name);
  }
  bool HasDomain(std::string_view name) const { return FindDomain(name) != nullptr; }
  size_t domain_count() const { return domains_.size(); }
  // Domain names, sorted.
  std::vector<std::string> DomainNames() const;

 private:
  RuleSet() = default;

  const Domain* FindDomainInMap(std::string_view name) const;

  // The node whose limit applies to `entries` (see the file comment), or nullptr. Sets
  // `*via_wildcard` when some level matched through a wildcard.
  static const DescriptorNode* FindNode(const Domain& domain,
                                        absl::Span<const DescriptorEntry> entries,
                                        bool* via_wildcard);

  absl::flat_hash_map<std::string, Domain> domains_;
  // The domain when there is exactly one (FindDomain's fast path), else null.
  const Domain* only_domain_ = nullptr;
};

}  // namespace sluice::rules
