#include "rules/counter_key.h"

#include <cstring>

#include "core/rate_limit.h"
#include "core/store.h"

namespace sluice::rules {
namespace {

// The key's last part: the unit name, preceded by the multiplier when it is not 1 ("30second").
// `storage` holds the joined form when one is needed.
std::string_view WindowName(Unit unit, uint32_t multiplier, std::string& storage) {
  if (multiplier == 1) return UnitName(unit);
  storage = std::to_string(multiplier);
  storage.append(UnitName(unit));
  return storage;
}

}  // namespace

std::string CounterKey(std::string_view domain, absl::Span<const DescriptorEntry> entries,
                       Unit unit, uint32_t unit_multiplier) {
  std::string out;
  AppendCounterKey(out, domain, entries, unit, unit_multiplier);
  return out;
}

void AppendCounterKey(std::string& out, std::string_view domain,
                      absl::Span<const DescriptorEntry> entries, Unit unit,
                      uint32_t unit_multiplier) {
  std::string storage;
  const std::string_view unit_name = WindowName(unit, unit_multiplier, storage);
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
                      Unit unit, uint32_t unit_multiplier) {
  std::string storage;
  const std::string_view unit_name = WindowName(unit, unit_multiplier, storage);
  out.reserve(out.size() + prefix.size() + last_value.size() + 1 + unit_name.size());
  out.append(prefix).append(last_value).push_back('_');
  out.append(unit_name);
}

uint64_t AppendCounterKey(std::string& out, const RuleHit& hit, std::string_view domain,
                          absl::Span<const DescriptorEntry> entries, Unit unit,
                          uint32_t unit_multiplier) {
  // The precomputed parts were built with the rule's own window.
  const bool rule_unit = hit.policy != nullptr && hit.policy->unit == unit &&
                         hit.policy->unit_multiplier == unit_multiplier;
  if (rule_unit && !hit.counter_key.empty()) {
    out.append(hit.counter_key);
    return hit.counter_key_hash;
  }
  // The prefix holds only entries, so it serves every limit of the node whatever its window.
  if (hit.policy != nullptr && !hit.counter_key_prefix.empty()) {
    AppendCounterKey(out, hit.counter_key_prefix, entries.back().second, unit, unit_multiplier);
  } else {
    AppendCounterKey(out, domain, entries, unit, unit_multiplier);
  }
  return 0;
}

uint64_t CounterStoreKeyHash(std::string_view counter_key) {
  return core::Store::KeyHash(core::HashKey(kEnvoyCounterName, counter_key));
}

}  // namespace sluice::rules
