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
#include "rules/rule_set.h"

namespace sluice::rules::testutil {

class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "sluice-rules-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(const std::string& relative) const { return path_ + "/" + relative; }

  // Writes `contents` to `relative` (parent directories created) and returns the full path.
  std::string Write(const std::string& relative, const std::string& contents) const {
    const std::string full = Path(relative);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path(), ec);
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << contents;
    if (!out) ADD_FAILURE() << "cannot write " << full;
    return full;
  }

  // Writes `contents` to a temporary name and renames it over `relative` (atomic replace).
  std::string Replace(const std::string& relative, const std::string& contents) const {
    const std::string tmp = Write(relative + ".tmp~", contents);
    const std::string full = Path(relative);
    if (std::rename(tmp.c_str(), full.c_str()) != 0) {
      ADD_FAILURE() << "rename " << tmp << ": " << std::strerror(errno);
    }
    return full;
  }

  // Creates the symlink `relative` -> `target` (target taken literally).
  void Symlink(const std::string& target, const std::string& relative) const {
    if (symlink(target.c_str(), Path(relative).c_str()) != 0) {
      ADD_FAILURE() << "symlink " << relative << ": " << std::strerror(errno);
    }
  }

  // Atomically re-points the symlink `relative` at `target` (new link, then rename over it), the
  // way Kubernetes swaps a ConfigMap's `..data`.
  void SwapSymlink(const std::string& target, const std::string& relative) const {
    const std::string tmp = relative + "_tmp";
    Symlink(target, tmp);
    if (std::rename(Path(tmp).c_str(), Path(relative).c_str()) != 0) {
      ADD_FAILURE() << "rename " << tmp << ": " << std::strerror(errno);
    }
  }

 private:
  std::string path_;
};

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
