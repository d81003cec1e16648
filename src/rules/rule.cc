#include "rules/rule.h"

#include <array>

namespace sluice::rules {
namespace {

struct UnitInfo {
  Unit unit;
  std::string_view name;
  int64_t seconds;
};

constexpr std::array<UnitInfo, 7> kUnits = {{
    {Unit::kSecond, "second", 1},
    {Unit::kMinute, "minute", 60},
    {Unit::kHour, "hour", 3600},
    {Unit::kDay, "day", 86400},
    {Unit::kWeek, "week", 7 * 86400},
    {Unit::kMonth, "month", 30 * 86400},
    {Unit::kYear, "year", 365 * 86400},
}};

struct AlgorithmInfo {
  RuleAlgorithm algorithm;
  std::string_view name;
};

constexpr std::array<AlgorithmInfo, 4> kAlgorithms = {{
    {RuleAlgorithm::kFixedWindow, "fixed_window"},
    {RuleAlgorithm::kTokenBucket, "token_bucket"},
    {RuleAlgorithm::kLeakyBucket, "leaky_bucket"},
    {RuleAlgorithm::kSlidingWindow, "sliding_window"},
}};

// ASCII case-insensitive equality (config names are ASCII).
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const UnitInfo& InfoOf(Unit unit) {
  for (const UnitInfo& info : kUnits) {
    if (info.unit == unit) return info;
  }
  return kUnits.front();  // unreachable for valid enum values
}

}  // namespace

int64_t UnitSeconds(Unit unit) { return InfoOf(unit).seconds; }

std::string_view UnitName(Unit unit) { return InfoOf(unit).name; }

std::optional<Unit> ParseUnit(std::string_view name) {
  for (const UnitInfo& info : kUnits) {
    if (EqualsIgnoreCase(name, info.name)) return info.unit;
  }
  return std::nullopt;
}

std::string_view RuleAlgorithmName(RuleAlgorithm algorithm) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.algorithm == algorithm) return info.name;
  }
  return kAlgorithms.front().name;  // unreachable for valid enum values
}

std::optional<RuleAlgorithm> ParseRuleAlgorithm(std::string_view name) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (EqualsIgnoreCase(name, info.name)) return info.algorithm;
  }
  return std::nullopt;
}

DescriptorChildren::DescriptorChildren() = default;
DescriptorChildren::~DescriptorChildren() = default;
DescriptorChildren::DescriptorChildren(DescriptorChildren&&) noexcept = default;
DescriptorChildren& DescriptorChildren::operator=(DescriptorChildren&&) noexcept = default;

const DescriptorNode* DescriptorChildren::FindForEntry(std::string_view key, std::string_view value,
                                                       MatchKind* kind) const {
  if (!value.empty()) {
    if (auto it = exact_.find(KeyView{key, value}); it != exact_.end()) {
      if (kind != nullptr) *kind = MatchKind::kExact;
      return it->second.get();
    }
    // A value spelled exactly like a pattern is an exact match too: the reference looks the
    // literal `key_value` up before trying any wildcard.
    for (const WildcardChild& child : wildcards_) {
      if (child.node->key == key && child.node->value == value) {
        if (kind != nullptr) *kind = MatchKind::kExact;
        return child.node.get();
      }
    }
  }
  for (const WildcardChild& child : wildcards_) {
    if (child.node->key == key && child.pattern.Matches(value)) {
      if (kind != nullptr) *kind = MatchKind::kWildcard;
      return child.node.get();
    }
  }
  if (auto it = exact_.find(KeyView{key, std::string_view()}); it != exact_.end()) {
    if (kind != nullptr) *kind = MatchKind::kDefault;
    return it->second.get();
  }
  return nullptr;
}

void DescriptorChildren::Add(std::unique_ptr<DescriptorNode> node) {
  if (WildcardPattern::HasWildcard(node->value)) {
    WildcardPattern pattern(node->value);
    wildcards_.push_back(WildcardChild{std::move(pattern), std::move(node)});
    return;
  }
  Key key{node->key, node->value};
  exact_.emplace(std::move(key), std::move(node));
}

std::vector<const DescriptorNode*> DescriptorChildren::All() const {
  std::vector<const DescriptorNode*> out;
  out.reserve(size());
  for (const auto& [key, node] : exact_) out.push_back(node.get());
  for (const WildcardChild& child : wildcards_) out.push_back(child.node.get());
  return out;
}

}  // namespace sluice::rules
