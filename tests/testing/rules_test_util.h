// Test helpers for src/rules: a private temporary directory (mkdtemp) that is removed with
// everything in it when the object goes away, small file and symlink helpers, a one-rule
// rules file with its lookup, and a rule set parsed from YAML text. Failures are
// reported through gtest ADD_FAILURE, never thrown. Not thread-safe; one per test.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "gtest/gtest.h"
#include "rules/rule_parser.h"
#include "testing/temp_dir.h"
#include "rules/rule_set.h"

namespace sluice::rules::testutil {

// The shared private temporary directory (testing/temp_dir.h).
using TempDir = sluice::testing::TempDir;

// A one-rule file: `domain` with descriptor `k` (any value) limited to `requests` per second.
inline std::string OneRuleFile(const std::string& domain, int requests) {
  return "domain: " + domain + "\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, " +
         "requests_per_unit: " + std::to_string(requests) + "}\n";
}

// The rule set of one rules file's text `yaml` (named test.yaml in errors); null, with a test
// failure, when it does not parse.
inline std::shared_ptr<const RuleSet> RuleSetFromYaml(const std::string& yaml) {
  absl::StatusOr<Domain> domain = ParseRules("test.yaml", yaml);
  if (!domain.ok()) {
    ADD_FAILURE() << domain.status();
    return nullptr;
  }
  std::vector<Domain> domains;
  domains.push_back(std::move(*domain));
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = RuleSet::Create(std::move(domains));
  if (!set.ok()) {
    ADD_FAILURE() << set.status();
    return nullptr;
  }
  return *set;
}

// The limit of (domain, k=<any>) in `rules`, 0 if none.
inline uint32_t OneRuleLimit(const RuleSet& rules, const std::string& domain) {
  std::optional<RuleMatch> match = rules.Match(domain, {{"k", "v"}});
  return match.has_value() ? match->policy->requests_per_unit : 0;
}

// Polls `condition` every 10 ms for up to `timeout`; for tests of real background threads only.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace sluice::rules::testutil
