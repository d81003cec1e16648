#include "rules/rule_set.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace sluice::rules {
namespace {

// Builds RuleMatch::wildcard_id by walking the same path again; only called when a wildcard level
// matched, so the common exact/default path stays allocation-free.
std::string RuntimeRuleId(const Domain& domain, absl::Span<const DescriptorEntry> entries) {
  std::string id = domain.name;
  const DescriptorChildren* level = &domain.descriptors;
  for (const auto& [key, value] : entries) {
    DescriptorChildren::MatchKind kind = DescriptorChildren::MatchKind::kExact;
    const DescriptorNode* node = level->FindForEntry(key, value, &kind);
    if (node == nullptr) break;  // unreachable: Match() walked this path successfully
    id.append(".").append(key);
    if (kind != DescriptorChildren::MatchKind::kDefault) id.append("_").append(value);
    level = &node->children;
  }
  return id;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RuleSet>> RuleSet::Create(std::vector<Domain> domains) {
  std::shared_ptr<RuleSet> set(new RuleSet());
  set->domains_.reserve(domains.size());
  for (Domain& domain : domains) {
    if (auto it = set->domains_.find(domain.name); it != set->domains_.end()) {
      const Domain& first = it->second;
      return absl::InvalidArgumentError(
          absl::StrCat(domain.source, ":", domain.line, ": duplicate domain '", domain.name,
                       "' (already defined at ", first.source, ":", first.line, ")"));
    }
    std::string name = domain.name;
    set->domains_.emplace(std::move(name), std::move(domain));
  }
  if (set->domains_.size() == 1) set->only_domain_ = &set->domains_.begin()->second;
  return std::shared_ptr<const RuleSet>(std::move(set));
}

std::shared_ptr<const RuleSet> RuleSet::Empty() {
  return std::shared_ptr<const RuleSet>(new RuleSet());
}

const Domain* RuleSet::FindDomainInMap(std::string_view name) const {
  // Debian's Abseil has its own string_view type; convert for the heterogeneous lookup.
  auto it = domains_.find(absl::string_view(name.data(), name.size()));
  return it == domains_.end() ? nullptr : &it->second;
}

std::vector<std::string> RuleSet::DomainNames() const {
  std::vector<std::string> names;
  names.reserve(domains_.size());
  for (const auto& [name, domain] : domains_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<RuleMatch> RuleSet::Match(std::string_view domain_name,
                                        absl::Span<const DescriptorEntry> entries) const {
  const Domain* domain = FindDomain(domain_name);
  if (domain == nullptr) return std::nullopt;
  return Match(*domain, entries);
}

std::optional<RuleMatch> RuleSet::Match(const Domain& domain,
                                        absl::Span<const DescriptorEntry> entries) {
  bool via_wildcard = false;
  const DescriptorNode* node = FindNode(domain, entries, &via_wildcard);
  if (node == nullptr) return std::nullopt;
  RuleMatch match;
  match.policy = &*node->policy;
  match.shadow_mode = node->shadow_mode;
  match.config_path = node->path;
  if (via_wildcard) match.wildcard_id = RuntimeRuleId(domain, entries);
  return match;
}

RuleHit RuleSet::Find(const Domain& domain, absl::Span<const DescriptorEntry> entries) {
  bool via_wildcard = false;
  const DescriptorNode* node = FindNode(domain, entries, &via_wildcard);
  if (node == nullptr) return {};
  return RuleHit{&*node->policy,           node->shadow_mode,        node->additional_policies,
                 node->counter_key,         node->counter_key_prefix, node->counter_key_hash};
}

const DescriptorNode* RuleSet::FindNode(const Domain& domain,
                                        absl::Span<const DescriptorEntry> entries,
                                        bool* via_wildcard) {
  if (entries.empty()) return nullptr;
  const DescriptorChildren* level = &domain.descriptors;
  for (size_t i = 0; i < entries.size(); ++i) {
    DescriptorChildren::MatchKind kind = DescriptorChildren::MatchKind::kExact;
    const DescriptorNode* node = level->FindForEntry(entries[i].first, entries[i].second, &kind);
    if (node == nullptr) return nullptr;
    *via_wildcard = *via_wildcard || kind == DescriptorChildren::MatchKind::kWildcard;
    // The limit applies only at the last entry; a node without one means no limit.
    if (i + 1 == entries.size()) return node->policy.has_value() ? node : nullptr;
    // More entries than config levels: the depth does not match, so no limit.
    if (node->children.empty()) return nullptr;
    level = &node->children;
  }
  return nullptr;
}

}  // namespace sluice::rules
