#include "rules/counter_key.h"

namespace sluice::rules {

std::string CounterKey(std::string_view domain, absl::Span<const DescriptorEntry> entries,
                       Unit unit) {
  const std::string_view unit_name = UnitName(unit);
  size_t size = domain.size() + 1 + unit_name.size();
  for (const auto& [key, value] : entries) size += key.size() + value.size() + 2;

  std::string out;
  out.reserve(size);
  out.append(domain).push_back('_');
  for (const auto& [key, value] : entries) {
    out.append(key).push_back('_');
    out.append(value).push_back('_');
  }
  out.append(unit_name);
  return out;
}

}  // namespace sluice::rules
