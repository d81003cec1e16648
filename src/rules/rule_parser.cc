#include "rules/rule_parser.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <exception>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rules/counter_key.h"
#include "rules/wildcard.h"
#include "rules/yaml_documents.h"

namespace sluice::rules {
namespace {

// A plain YAML 1.1 integer as the reference's decoder (gopkg.in/yaml.v2) reads it: `_` ignored,
// an optional `+`, then 0x hexadecimal, 0o or a leading 0 octal, 0b binary, else decimal. So
// `010` is 8 in both, not 10 in one of them.
std::optional<uint32_t> ParseYamlUint32(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != '_') digits.push_back(c);
  }
  std::string_view d = digits;
  if (!d.empty() && d.front() == '+') d.remove_prefix(1);
  int base = 10;
  if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
    base = 16;
  } else if (d.size() > 2 && d[0] == '0' && (d[1] == 'o' || d[1] == 'O')) {
    base = 8;
  } else if (d.size() > 2 && d[0] == '0' && (d[1] == 'b' || d[1] == 'B')) {
    base = 2;
  }
  if (base != 10) {
    d.remove_prefix(2);
  } else if (d.size() > 1 && d[0] == '0') {
    base = 8;
  }
  uint32_t value = 0;
  auto [end, error] = std::from_chars(d.data(), d.data() + d.size(), value, base);
  if (d.empty() || error != std::errc() || end != d.data() + d.size()) return std::nullopt;
  return value;
}

// Where each key of the format belongs; used to tell "unknown key" from "right key, wrong level".
enum class Level { kRoot, kDescriptor, kRateLimit, kReplaces };

constexpr const char* LevelName(Level level) {
  switch (level) {
    case Level::kRoot:
      return "the top level";
    case Level::kDescriptor:
      return "a descriptor";
    case Level::kRateLimit:
      return "rate_limit";
    case Level::kReplaces:
      return "a replaces entry";
  }
  return "";
}

struct KeyHome {
  std::string_view key;
  Level level;
};

// The reference's allow-list (§3.2) plus `algorithm`, each with the level it belongs to. `name`
// is valid both in rate_limit and in a replaces entry.
constexpr KeyHome kKeyHomes[] = {
    {"domain", Level::kRoot},
    {"descriptors", Level::kRoot},
    {"key", Level::kDescriptor},
    {"value", Level::kDescriptor},
    {"descriptors", Level::kDescriptor},
    {"rate_limit", Level::kDescriptor},
    {"rate_limits", Level::kDescriptor},
    {"shadow_mode", Level::kDescriptor},
    {"quota_mode", Level::kDescriptor},
    {"detailed_metric", Level::kDescriptor},
    {"value_to_metric", Level::kDescriptor},
    {"share_threshold", Level::kDescriptor},
    {"metadata", Level::kDescriptor},
    {"unit", Level::kRateLimit},
    {"requests_per_unit", Level::kRateLimit},
    {"unlimited", Level::kRateLimit},
    {"name", Level::kRateLimit},
    {"replaces", Level::kRateLimit},
    {"algorithm", Level::kRateLimit},
    {"unit_multiplier", Level::kRateLimit},
    {"name", Level::kReplaces},
};

bool Belongs(std::string_view key, Level level) {
  for (const KeyHome& home : kKeyHomes) {
    if (home.key == key && home.level == level) return true;
  }
  return false;
}

const KeyHome* HomeOf(std::string_view key) {
  for (const KeyHome& home : kKeyHomes) {
    if (home.key == key) return &home;
  }
  return nullptr;
}

// 1-based line of a node, or `fallback` when yaml-cpp has no position for it.
int LineOf(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}

// One `key: value` pair of a map; `line` is the line of the key.
struct Field {
  std::string name;
  YAML::Node value;
  int line = 0;
};

// The pairs of one map after key validation, in document order.
class Fields {
 public:
  const Field* Find(std::string_view name) const {
    for (const Field& field : fields_) {
      if (field.name == name) return &field;
    }
    return nullptr;
  }
  void Add(Field field) { fields_.push_back(std::move(field)); }

 private:
  std::vector<Field> fields_;
};

class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source) {}

  absl::StatusOr<Domain> ParseText(std::string_view yaml) {
    std::vector<YAML::Node> documents;
    try {
      documents = LoadYamlDocuments(std::string(yaml));
    } catch (const YAML::Exception& e) {
      return Error(e.mark.is_null() ? 1 : e.mark.line + 1,
                   absl::StrCat("YAML syntax error: ", e.msg));
    }
    if (documents.empty()) return Error(1, "file is empty; expected a map with 'domain'");
    if (documents.size() > 1) {
      return Error(LineOf(documents[1], 1),
                   "more than one YAML document; a rules file holds exactly one domain");
    }
    return ParseRoot(documents.front());
  }

 private:
  absl::Status Error(int line, const std::string& problem) const {
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", line, ": ", problem));
  }

  // Validates the keys of a map at `level` and returns its pairs. `line` is used when the node
  // itself has no position (a null value).
  absl::StatusOr<Fields> ReadMap(const YAML::Node& node, Level level, int line) const {
    if (!node.IsMap()) {
      const int at = node.IsNull() ? line : LineOf(node, line);
      return Error(at, absl::StrCat(LevelName(level), " must be a map"));
    }
    Fields fields;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const int key_line = LineOf(it->first, line);
      if (!it->first.IsScalar()) return Error(key_line, "map keys must be strings");
      const std::string& name = it->first.Scalar();
      if (const Field* first = fields.Find(name); first != nullptr) {
        return Error(key_line,
                     absl::StrCat("duplicate key '", name, "' (first at line ", first->line, ")"));
      }
      if (!Belongs(name, level)) {
        const KeyHome* home = HomeOf(name);
        if (home == nullptr) {
          return Error(key_line, absl::StrCat("unknown key '", name, "' in ", LevelName(level)));
        }
        return Error(key_line, absl::StrCat("key '", name, "' is not valid in ", LevelName(level),
                                            "; it belongs in ", LevelName(home->level)));
      }
      fields.Add(Field{name, it->second, key_line});
    }
    return fields;
  }

  // A scalar as text; null reads as "".
  absl::StatusOr<std::string> String(const Field& field) const {
    if (field.value.IsNull()) return std::string();
    if (!field.value.IsScalar()) {
      return Error(field.line, absl::StrCat("'", field.name, "' must be a string"));
    }
    return field.value.Scalar();
  }

  // A quoted scalar is a string, never a boolean or a number (yaml-cpp tags it "!").
  static bool Quoted(const YAML::Node& value) { return value.Tag() == "!"; }

  absl::StatusOr<bool> Bool(const Field& field) const {
    bool result = false;
    if (!field.value.IsScalar() || Quoted(field.value) ||
        !YAML::convert<bool>::decode(field.value, result)) {
      return Error(field.line, absl::StrCat("'", field.name, "' must be true or false"));
    }
    return result;
  }

  absl::StatusOr<uint32_t> Uint32(const Field& field) const {
    std::optional<uint32_t> result;
    if (field.value.IsScalar() && !Quoted(field.value)) {
      result = ParseYamlUint32(field.value.Scalar());
    }
    if (!result) {
      return Error(field.line,
                   absl::StrCat("'", field.name, "' must be an integer from 0 to 4294967295"));
    }
    return *result;
  }

  // A block list; null reads as empty.
  absl::Status CheckList(const Field& field) const {
    if (field.value.IsNull() || field.value.IsSequence()) return absl::OkStatus();
    return Error(field.line, absl::StrCat("'", field.name, "' must be a list"));
  }

  absl::StatusOr<Domain> ParseRoot(const YAML::Node& root) {
    if (root.IsNull()) return Error(1, "file is empty; expected a map with 'domain'");
    absl::StatusOr<Fields> fields = ReadMap(root, Level::kRoot, 1);
    if (!fields.ok()) return fields.status();

    Domain domain;
    domain.source = std::string(source_);
    const Field* name = fields->Find("domain");
    if (name == nullptr) return Error(LineOf(root, 1), "missing 'domain'");
    absl::StatusOr<std::string> domain_name = String(*name);
    if (!domain_name.ok()) return domain_name.status();
    if (domain_name->empty()) return Error(name->line, "empty domain");
    domain.name = *std::move(domain_name);
    domain.line = name->line;

    if (const Field* list = fields->Find("descriptors"); list != nullptr) {
      if (absl::Status s = ParseDescriptors(*list, domain.name, CounterKeyLevel("", domain.name),
                                            &domain.descriptors);
          !s.ok()) {
        return s;
      }
    }
    domain.has_replaces = has_replaces_;
    return domain;
  }

  // `parent_key_prefix`: the parent's counter-key prefix for its children, empty when the key is
  // not static below the parent (DescriptorNode::counter_key_prefix).
  absl::Status ParseDescriptors(const Field& list, const std::string& parent_path,
                                const std::string& parent_key_prefix, DescriptorChildren* out) {
    if (absl::Status s = CheckList(list); !s.ok()) return s;
    if (list.value.IsNull()) return absl::OkStatus();
    absl::flat_hash_map<std::string, int> composite_lines;  // sibling composite key -> line
    for (const YAML::Node& item : list.value) {
      const int line = LineOf(item, list.line);
      if (!item.IsMap()) return Error(line, "'descriptors' entries must be maps");
      absl::StatusOr<std::unique_ptr<DescriptorNode>> node =
          ParseDescriptor(item, line, parent_path, parent_key_prefix);
      if (!node.ok()) return node.status();
      std::string composite =
          (*node)->value.empty() ? (*node)->key : absl::StrCat((*node)->key, "_", (*node)->value);
      auto [it, inserted] = composite_lines.emplace(composite, line);
      if (!inserted) {
        return Error(line, absl::StrCat("duplicate descriptor composite key '", (*node)->path,
                                        "' (first at line ", it->second, ")"));
      }
      out->Add(*std::move(node));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<DescriptorNode>> ParseDescriptor(
      const YAML::Node& item, int line, const std::string& parent_path,
      const std::string& parent_key_prefix) {
    absl::StatusOr<Fields> fields = ReadMap(item, Level::kDescriptor, line);
    if (!fields.ok()) return fields.status();
    auto node = std::make_unique<DescriptorNode>();
    node->line = line;

    const Field* key = fields->Find("key");
    if (key == nullptr) return Error(line, "descriptor is missing 'key'");
    absl::StatusOr<std::string> key_text = String(*key);
    if (!key_text.ok()) return key_text.status();
    if (key_text->empty()) return Error(key->line, "descriptor has empty key");
    node->key = *std::move(key_text);

    if (const Field* value = fields->Find("value"); value != nullptr) {
      absl::StatusOr<std::string> value_text = String(*value);
      if (!value_text.ok()) return value_text.status();
      node->value = *std::move(value_text);
    }
    node->path = node->value.empty() ? absl::StrCat(parent_path, ".", node->key)
                                     : absl::StrCat(parent_path, ".", node->key, "_", node->value);

    for (std::string_view flag :
         {"shadow_mode", "quota_mode", "detailed_metric", "value_to_metric", "share_threshold"}) {
      const Field* field = fields->Find(flag);
      if (field == nullptr) continue;
      absl::StatusOr<bool> on = Bool(*field);
      if (!on.ok()) return on.status();
      if (flag == "shadow_mode") node->shadow_mode = *on;
      if (flag == "share_threshold" && *on && !WildcardPattern::HasWildcard(node->value)) {
        return Error(field->line, "share_threshold: true requires a '*' in the value");
      }
    }
    if (const Field* metadata = fields->Find("metadata");
        metadata != nullptr && !metadata->value.IsMap()) {
      return Error(metadata->line, "'metadata' must be a map");
    }
    const Field* rate_limit = fields->Find("rate_limit");
    const Field* rate_limits = fields->Find("rate_limits");
    if (rate_limit != nullptr && rate_limits != nullptr) {
      return Error(rate_limits->line,
                   absl::StrCat("a descriptor has 'rate_limit' or 'rate_limits', not both "
                                "('rate_limit' at line ",
                                rate_limit->line, ")"));
    }
    if (rate_limit != nullptr) {
      absl::StatusOr<RateLimitPolicy> policy = ParsePolicy(*rate_limit);
      if (!policy.ok()) return policy.status();
      node->policy = *std::move(policy);
    }
    if (rate_limits != nullptr) {
      if (absl::Status s = ParsePolicyList(*rate_limits, node.get()); !s.ok()) return s;
    }
    // An exact node matches only its own value, so the key below it is as static as above it.
    const bool exact = !node->value.empty() && !WildcardPattern::HasWildcard(node->value);
    std::string children_key_prefix;
    if (!parent_key_prefix.empty()) {
      node->counter_key_prefix = CounterKeyLevel(parent_key_prefix, node->key);
      if (exact) {
        children_key_prefix = CounterKeyLevel(node->counter_key_prefix, node->value);
        if (node->policy.has_value() && !node->policy->unlimited) {
          AppendCounterKey(node->counter_key, node->counter_key_prefix, node->value,
                           node->policy->unit, node->policy->unit_multiplier);
          node->counter_key_hash = CounterStoreKeyHash(node->counter_key);
        }
      }
    }
    if (const Field* children = fields->Find("descriptors"); children != nullptr) {
      if (absl::Status s =
              ParseDescriptors(*children, node->path, children_key_prefix, &node->children);
          !s.ok()) {
        return s;
      }
    }
    return node;
  }

  // `rate_limits:` (Sluice extension): a list of `rate_limit` bodies, every one counted.
  absl::Status ParsePolicyList(const Field& list, DescriptorNode* node) {
    if (absl::Status s = CheckList(list); !s.ok()) return s;
    if (list.value.IsNull() || list.value.size() == 0) {
      return Error(list.line, "'rate_limits' must list at least one limit");
    }
    std::vector<int> lines;
    for (const YAML::Node& item : list.value) {
      const int line = LineOf(item, list.line);
      absl::StatusOr<RateLimitPolicy> policy = ParsePolicy(Field{"rate_limits", item, line});
      if (!policy.ok()) return policy.status();
      if (policy->unlimited) {
        return Error(line, "'unlimited' is not valid in rate_limits; write "
                           "'rate_limit: {unlimited: true}'");
      }
      if (!policy->replaces.empty()) {
        return Error(line, "'replaces' is not valid in rate_limits; only a single rate_limit "
                           "may replace others");
      }
      const int64_t window = WindowSeconds(policy->unit, policy->unit_multiplier);
      for (size_t i = 0; i < lines.size(); ++i) {
        const RateLimitPolicy& other = i == 0 ? *node->policy : node->additional_policies[i - 1];
        if (WindowSeconds(other.unit, other.unit_multiplier) == window) {
          return Error(line, absl::StrCat("two limits with a window of ", window,
                                          " seconds in rate_limits (first at line ", lines[i],
                                          "); the lower one alone would decide"));
        }
      }
      lines.push_back(line);
      if (!node->policy.has_value()) {
        node->policy = *std::move(policy);
      } else {
        node->additional_policies.push_back(*std::move(policy));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RateLimitPolicy> ParsePolicy(const Field& block) {
    absl::StatusOr<Fields> fields = ReadMap(block.value, Level::kRateLimit, block.line);
    if (!fields.ok()) return fields.status();
    RateLimitPolicy policy;

    if (const Field* unlimited = fields->Find("unlimited"); unlimited != nullptr) {
      absl::StatusOr<bool> on = Bool(*unlimited);
      if (!on.ok()) return on.status();
      policy.unlimited = *on;
    }

    const Field* unit = fields->Find("unit");
    std::string unit_text;
    if (unit != nullptr) {
      absl::StatusOr<std::string> text = String(*unit);
      if (!text.ok()) return text.status();
      unit_text = *std::move(text);
    }
    if (!unit_text.empty()) {
      std::optional<Unit> parsed = ParseUnit(unit_text);
      if (!parsed.has_value()) {
        return Error(unit->line,
                     absl::StrCat("invalid rate limit unit '", unit_text,
                                  "' (expected second, minute, hour, day, week, month or year)"));
      }
      if (policy.unlimited) {
        return Error(unit->line, "a rate limit with 'unlimited: true' must not specify a unit");
      }
      policy.unit = *parsed;
    } else if (!policy.unlimited) {
      return Error(unit != nullptr ? unit->line : block.line, "rate_limit is missing 'unit'");
    }

    if (const Field* multiplier = fields->Find("unit_multiplier"); multiplier != nullptr) {
      absl::StatusOr<uint32_t> value = Uint32(*multiplier);
      if (!value.ok()) return value.status();
      if (policy.unlimited) {
        return Error(multiplier->line,
                     "a rate limit with 'unlimited: true' must not specify a unit_multiplier");
      }
      if (*value == 0) return Error(multiplier->line, "unit_multiplier must be at least 1");
      if (WindowSeconds(policy.unit, *value) > kMaxWindowSeconds) {
        return Error(multiplier->line,
                     absl::StrCat("unit_multiplier ", *value, " makes a window of ",
                                  WindowSeconds(policy.unit, *value),
                                  " seconds; at most 100 years (", kMaxWindowSeconds, ")"));
      }
      policy.unit_multiplier = *value;
    }

    if (const Field* rpu = fields->Find("requests_per_unit"); rpu != nullptr) {
      absl::StatusOr<uint32_t> value = Uint32(*rpu);
      if (!value.ok()) return value.status();
      policy.requests_per_unit = *value;
    } else if (!policy.unlimited) {
      return Error(block.line, "rate_limit is missing 'requests_per_unit'");
    }

    if (const Field* name = fields->Find("name"); name != nullptr) {
      absl::StatusOr<std::string> text = String(*name);
      if (!text.ok()) return text.status();
      policy.name = *std::move(text);
    }

    if (const Field* algorithm = fields->Find("algorithm"); algorithm != nullptr) {
      absl::StatusOr<std::string> text = String(*algorithm);
      if (!text.ok()) return text.status();
      std::optional<RuleAlgorithm> parsed = ParseRuleAlgorithm(*text);
      if (!parsed.has_value()) {
        return Error(algorithm->line,
                     absl::StrCat("unknown algorithm '", *text,
                                  "' (expected fixed_window, token_bucket, leaky_bucket or "
                                  "sliding_window)"));
      }
      policy.algorithm = *parsed;
    }

    if (const Field* replaces = fields->Find("replaces"); replaces != nullptr) {
      if (absl::Status s = ParseReplaces(*replaces, &policy); !s.ok()) return s;
      has_replaces_ = has_replaces_ || !policy.replaces.empty();
    }
    return policy;
  }

  absl::Status ParseReplaces(const Field& list, RateLimitPolicy* policy) const {
    if (absl::Status s = CheckList(list); !s.ok()) return s;
    if (list.value.IsNull()) return absl::OkStatus();
    for (const YAML::Node& item : list.value) {
      const int line = LineOf(item, list.line);
      absl::StatusOr<Fields> fields = ReadMap(item, Level::kReplaces, line);
      if (!fields.ok()) return fields.status();
      std::string name;
      if (const Field* field = fields->Find("name"); field != nullptr) {
        absl::StatusOr<std::string> text = String(*field);
        if (!text.ok()) return text.status();
        name = *std::move(text);
      }
      if (name.empty()) return Error(line, "replaces entry has an empty name");
      if (name == policy->name) {
        return Error(line, absl::StrCat("limit '", name, "' replaces itself"));
      }
      policy->replaces.push_back(std::move(name));
    }
    return absl::OkStatus();
  }

  std::string source_;
  bool has_replaces_ = false;  // some policy listed `replaces` (Domain::has_replaces)
};

}  // namespace

absl::StatusOr<Domain> ParseRules(std::string_view source, std::string_view yaml) {
  try {
    return Parser(source).ParseText(yaml);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    return absl::InvalidArgumentError(absl::StrCat(std::string(source), ":", line, ": ", e.msg));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(std::string(source), ": ", e.what()));
  }
}

}  // namespace sluice::rules
