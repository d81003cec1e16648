// The Envoy rule model: what one envoyproxy/ratelimit YAML file describes once it has been parsed
// and validated (reference/envoy_rls.md §3.2). A domain owns a tree of descriptor nodes; a node is
// one `key` (+ optional `value`) level of that tree and may carry a rate-limit policy.
//
// Thread safety: plain values. Once built (by the parser in rule_parser.h) a tree is never
// mutated, so any number of threads may read it concurrently; building is single-threaded.
//
// Invariants (established by the parser, relied on by RuleSet::Match):
//   * every node has a non-empty `key`;
//   * siblings have distinct composite keys (`key`, or `key_value`);
//   * a node whose value contains `*` lives in its parent's wildcard list (config order), every
//     other node in the exact map, value-less nodes under an empty value;
//   * a policy is either `unlimited` or has a valid unit; `replaces` names are non-empty and never
//     the policy's own name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "rules/entry_hash.h"
#include "rules/wildcard.h"

namespace sluice::rules {

// The time unit of a limit. Windows are fixed and aligned to the Unix epoch, exactly as in
// envoyproxy/ratelimit: a "month" is 30 days and a "year" 365 days, not calendar periods.
enum class Unit { kSecond, kMinute, kHour, kDay, kWeek, kMonth, kYear };

// Window length in seconds: 1, 60, 3600, 86400, 604800, 2592000 (30 d), 31536000 (365 d).
int64_t UnitSeconds(Unit unit);

// Lower-case config spelling: "second", "minute", ..., "year".
std::string_view UnitName(Unit unit);

// The longest window a `unit_multiplier` may make: 100 years of 365 days.
inline constexpr int64_t kMaxWindowSeconds = 100LL * 365 * 86400;

// A window of `multiplier` units, in seconds (multiplier >= 1).
inline int64_t WindowSeconds(Unit unit, uint32_t multiplier) {
  return UnitSeconds(unit) * static_cast<int64_t>(multiplier);
}

// Parses a unit name case-insensitively ("second", "SECOND", "Week"). nullopt if unknown.
std::optional<Unit> ParseUnit(std::string_view name);

// The algorithm a rule is enforced with (Sluice extension key `algorithm:` inside `rate_limit`).
enum class RuleAlgorithm { kFixedWindow, kTokenBucket, kLeakyBucket, kSlidingWindow };

// Config spelling: "fixed_window", "token_bucket", "leaky_bucket", "sliding_window".
std::string_view RuleAlgorithmName(RuleAlgorithm algorithm);

// Parses an algorithm name case-insensitively. nullopt if unknown.
std::optional<RuleAlgorithm> ParseRuleAlgorithm(std::string_view name);

// The `rate_limit` block of a descriptor.
struct RateLimitPolicy {
  uint32_t requests_per_unit = 0;
  // Meaningless when `unlimited` is set.
  Unit unit = Unit::kSecond;
  // Sluice extension: the window is this many units (30 seconds, 5 minutes), still aligned to
  // the Unix epoch. 1 ..., with the window at most kMaxWindowSeconds. Default: 1.
  uint32_t unit_multiplier = 1;
  // No counting at all; the descriptor is always answered OK without a current limit.
  bool unlimited = false;
  // Optional. Echoed to Envoy as RateLimit.name and used by other rules' `replaces`.
  std::string name;
  // Names of limits this one replaces when both match in the same request.
  std::vector<std::string> replaces;
  // Default: kFixedWindow (the reference service's only algorithm).
  RuleAlgorithm algorithm = RuleAlgorithm::kFixedWindow;
};

struct DescriptorNode;

// The children of one tree level: exact and default nodes in a hash map keyed by (key, value)
// with heterogeneous lookup (no allocation per lookup), wildcard nodes in config order.
class DescriptorChildren {
 public:
  DescriptorChildren();
  ~DescriptorChildren();
  DescriptorChildren(DescriptorChildren&&) noexcept;
  DescriptorChildren& operator=(DescriptorChildren&&) noexcept;
  DescriptorChildren(const DescriptorChildren&) = delete;
  DescriptorChildren& operator=(const DescriptorChildren&) = delete;

  // How FindForEntry found its node.
  enum class MatchKind { kExact, kWildcard, kDefault };

  // The reference's per-level lookup for one request entry: the exact `key_value` node (only when
  // `value` is non-empty; a wildcard node whose pattern is spelled exactly like `value` counts),
  // else the first wildcard node in config order whose key equals `key`
  // and whose pattern matches `value`, else the value-less default node `key`. nullptr if none.
  // Allocation-free. `kind` (optional) receives how the node was found.
  const DescriptorNode* FindForEntry(std::string_view key, std::string_view value,
                                     MatchKind* kind = nullptr) const;

  // Adds a child. Precondition: no sibling with the same (key, value) exists (the parser checks
  // composite keys first and reports duplicates with file and line).
  void Add(std::unique_ptr<DescriptorNode> node);

  bool empty() const { return exact_.empty() && wildcards_.empty(); }
  size_t size() const { return exact_.size() + wildcards_.size(); }

  // Every child, in no particular order (for showing the tree, never on the request path).
  std::vector<const DescriptorNode*> All() const;

 private:
  struct KeyView {
    std::string_view key;
    std::string_view value;  // empty for the value-less default node
  };
  struct Key {
    std::string key;
    std::string value;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const KeyView& k) const { return EntryHash(k.key, k.value); }
    size_t operator()(const Key& k) const { return (*this)(KeyView{k.key, k.value}); }
  };
  struct KeyEq {
    using is_transparent = void;
    static KeyView View(const KeyView& k) { return k; }
    static KeyView View(const Key& k) { return KeyView{k.key, k.value}; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const KeyView va = View(a);
      const KeyView vb = View(b);
      return SameBytes(va.key, vb.key) && SameBytes(va.value, vb.value);
    }
  };
  struct WildcardChild {
    WildcardPattern pattern;
    std::unique_ptr<DescriptorNode> node;
  };

  absl::flat_hash_map<Key, std::unique_ptr<DescriptorNode>, KeyHash, KeyEq> exact_;
  std::vector<WildcardChild> wildcards_;
};

// One descriptor level of a domain's rule tree.
struct DescriptorNode {
  std::string key;
  // Empty: the default node for any value of `key`. May contain `*` wildcards.
  std::string value;
  // Rule identity in config spelling: "<domain>.<k1>_<v1>.<k2>" (a level is `key` when the node
  // has no value, `key_value` otherwise, wildcards as written). Stable across reloads of the same
  // config and bounded in cardinality, so it is usable as a metric label.
  std::string path;
  // The `rate_limit` block, or the first limit of a `rate_limits` list, if any. A node without
  // one only groups children.
  std::optional<RateLimitPolicy> policy;
  // The other limits of a `rate_limits` list (Sluice extension): a request passes only if every
  // limit passes. Each has a window of its own (no two alike), none is `unlimited` or lists
  // `replaces`.
  std::vector<RateLimitPolicy> additional_policies;
  // The counter key's static parts (rules/counter_key.h), when every level above this node is an
  // exact node (a value without wildcards), so they are known before any request; else empty.
  // counter_key_prefix is "<domain>_<k1>_<v1>_..._<key>_"; counter_key is the whole key, set
  // when this node is exact too and has a counted limit.
  std::string counter_key_prefix;
  std::string counter_key;
  // CounterStoreKeyHash(counter_key) when counter_key is set, else 0: the store skips hashing.
  uint64_t counter_key_hash = 0;
  // Count as usual but never answer OVER_LIMIT for this rule.
  bool shadow_mode = false;
  // 1-based line of the node in its file, for diagnostics.
  int line = 0;
  DescriptorChildren children;
};

// One file's worth of rules.
struct Domain {
  std::string name;
  // The file the domain came from and the line of its `domain:` key, for diagnostics.
  std::string source;
  int line = 0;
  DescriptorChildren descriptors;
  // Some limit of this domain lists `replaces`; without one, ApplyReplaces has nothing to drop.
  bool has_replaces = false;
};

}  // namespace sluice::rules
