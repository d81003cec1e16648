// Rule loader: reads envoyproxy/ratelimit rule files from disk and builds a RuleSet snapshot.
//
// `path` is a rules file, or a directory whose `*.yaml` / `*.yml` entries are rule files (one
// domain per file). In a directory, names starting with '.' are skipped, which ignores the
// Kubernetes ConfigMap internals (`..data`, `..2024_01_01_00_00_00.123`) while the visible entries
// (`name.yaml -> ..data/name.yaml`) are followed like any symlink; `path` itself may be a symlink.
// Subdirectories are not descended into. An empty directory yields an empty RuleSet.
//
// All-or-nothing: any unreadable or invalid file fails the whole load, with a message naming the
// file and line (see rule_parser.h), and a domain defined twice names both files.
//
// Thread safety: free functions with no shared state; may run on any thread concurrently.
// They never throw.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rules/rule.h"
#include "rules/rule_set.h"

namespace sluice::rules {

// The rule files `path` designates, in sorted order: {path} for a file (any name), the matching
// directory entries for a directory. NotFound if `path` does not exist.
absl::StatusOr<std::vector<std::string>> ListRuleFiles(const std::string& path);

// Reads and parses one rules file.
absl::StatusOr<Domain> LoadRuleFile(const std::string& file);

// Loads every rule file under `path` into a new snapshot.
absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRuleSet(const std::string& path);

// What LoadRuleSet would reject, without stopping at the first file: the error of each bad file
// (its first problem, "<file>:<line>: ..."), then what the good files conflict on (a domain
// defined twice). Empty when LoadRuleSet would succeed. `files` (if given) is set to the number
// of rule files looked at.
std::vector<absl::Status> CheckRuleFiles(const std::string& path, size_t* files = nullptr);

}  // namespace sluice::rules
