#include "rules/counter_key.h"

#include <cstring>

#include "core/rate_limit.h"
#include "core/store.h"

namespace sluice::rules {

std::string CounterKey(std::string_view domain, absl::Span<const DescriptorEntry> entries,
                       Unit unit) {
  std::string out;
  AppendCounterKey(out, domain, entries, unit);
  return out;
}

void AppendCounterKey(std::string& out, std::string_view domain,
                      absl::Span<const DescriptorEntry> entries, Unit unit) {
  const std::string_view unit_name = UnitName(unit);
  size_t size = domain.size() + 1 + unit_name.size();
  for (const auto& [key, value] : entries) size += key.size() + value.size() + 2;

  // One resize and plain copies: the key is built on every Envoy request.
  const size_t start = out.size();
  out.resize(start + size);
  char* next = out.data() + start;
  auto put = [&next](std::string_view part, bool separator) {
    if (!part.empty()) std::memcpy(next, part.data(), part.size());
    next += part.size();
    if (separator) *next++ = '_';
  };
  put(domain, true);
  for (const auto& [key, value] : entries) {
    put(key, true);
    put(value, true);
  }
  put(unit_name, false);
}

std::string CounterKeyLevel(std::string_view prefix, std::string_view part) {
  std::string out;
  out.reserve(prefix.size() + part.size() + 1);
  out.append(prefix).append(part).push_back('_');
  return out;
}

void AppendCounterKey(std::string& out, std::string_view prefix, std::string_view last_value,
                      Unit unit) {
  const std::string_view unit_name = UnitName(unit);
  out.reserve(out.size() + prefix.size() + last_value.size() + 1 + unit_name.size());
  out.append(prefix).append(last_value).push_back('_');
  out.append(unit_name);
}

uint64_t AppendCounterKey(std::string& out, const RuleHit& hit, std::string_view domain,
                          absl::Span<const DescriptorEntry> entries, Unit unit) {
  // The precomputed parts were built with the rule's own unit.
  const bool rule_unit = hit.policy != nullptr && hit.policy->unit == unit;
  if (rule_unit && !hit.counter_key.empty()) {
    out.append(hit.counter_key);
    return hit.counter_key_hash;
  }
  if (rule_unit && !hit.counter_key_prefix.empty()) {
    AppendCounterKey(out, hit.counter_key_prefix, entries.back().second, unit);
  } else {
    AppendCounterKey(out, domain, entries, unit);
  }
  return 0;
}

uint64_t CounterStoreKeyHash(std::string_view counter_key) {
  return core::Store::KeyHash(core::HashKey(kEnvoyCounterName, counter_key));
}

}  // namespace sluice::rules
