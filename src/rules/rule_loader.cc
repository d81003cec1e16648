#include "rules/rule_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rules/rule_parser.h"

namespace sluice::rules {
namespace {

namespace fs = std::filesystem;

bool IsRuleFileName(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  return absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml");
}

absl::Status FsError(const std::string& path, const char* what, const std::error_code& ec) {
  const std::string message = absl::StrCat(path, ": ", what, ": ", ec.message());
  if (ec == std::errc::no_such_file_or_directory) return absl::NotFoundError(message);
  if (ec == std::errc::permission_denied) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ListRuleFiles(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows a symlinked `path`
  if (ec) return FsError(path, "cannot access rules", ec);
  if (!fs::is_directory(status)) return std::vector<std::string>{path};

  std::vector<std::string> files;
  fs::directory_iterator it(path, ec);
  if (ec) return FsError(path, "cannot list rules directory", ec);
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return FsError(path, "cannot list rules directory", ec);
    const fs::path& entry = it->path();
    if (!IsRuleFileName(entry.filename().string())) continue;
    // Follows symlinks (ConfigMap entries); a dangling link or a directory is not a rule file.
    std::error_code entry_ec;
    if (!fs::is_regular_file(fs::status(entry, entry_ec))) continue;
    files.push_back(entry.string());
  }
  if (ec) return FsError(path, "cannot list rules directory", ec);
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<Domain> LoadRuleFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return FsError(file, "cannot open", std::error_code(errno, std::generic_category()));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return FsError(file, "cannot read", std::error_code(errno, std::generic_category()));
  }
  return ParseRules(file, contents.str());
}

absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRuleSet(const std::string& path) {
  absl::StatusOr<std::vector<std::string>> files = ListRuleFiles(path);
  if (!files.ok()) return files.status();
  std::vector<Domain> domains;
  domains.reserve(files->size());
  for (const std::string& file : *files) {
    absl::StatusOr<Domain> domain = LoadRuleFile(file);
    if (!domain.ok()) return domain.status();
    domains.push_back(*std::move(domain));
  }
  return RuleSet::Create(std::move(domains));
}

std::vector<absl::Status> CheckRuleFiles(const std::string& path, size_t* files) {
  if (files != nullptr) *files = 0;
  absl::StatusOr<std::vector<std::string>> listed = ListRuleFiles(path);
  if (!listed.ok()) return {listed.status()};
  if (files != nullptr) *files = listed->size();
  std::vector<absl::Status> errors;
  std::vector<Domain> domains;
  for (const std::string& file : *listed) {
    absl::StatusOr<Domain> domain = LoadRuleFile(file);
    if (domain.ok()) {
      domains.push_back(*std::move(domain));
    } else {
      errors.push_back(domain.status());
    }
  }
  if (auto set = RuleSet::Create(std::move(domains)); !set.ok()) errors.push_back(set.status());
  return errors;
}

}  // namespace sluice::rules
