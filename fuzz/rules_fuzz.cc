// The rules YAML loader: any bytes as a rules file through ParseRules; a file it accepts must
// also build a RuleSet, which then answers a lookup.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "rules/rule_parser.h"
#include "rules/rule_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto domain = sluice::rules::ParseRules(
      "fuzz.yaml", std::string_view(reinterpret_cast<const char*>(data), size));
  if (!domain.ok()) {
    FUZZ_CHECK(domain.status().message().find("fuzz.yaml") != std::string_view::npos,
               "a rejection names the file");
    return 0;
  }
  const std::string name = domain->name;
  std::vector<sluice::rules::Domain> domains;
  domains.push_back(*std::move(domain));
  auto set = sluice::rules::RuleSet::Create(std::move(domains));
  FUZZ_CHECK(set.ok(), "a parsed domain builds a RuleSet");
  const sluice::rules::DescriptorEntry entries[] = {{"generic_key", "limited"}, {"user", "1"}};
  (void)(*set)->Match(name, entries);
  return 0;
}
