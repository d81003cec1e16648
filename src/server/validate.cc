#include "server/validate.h"

#include <cctype>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mesh/mesh_options.h"
#include "rules/rule_loader.h"
#include "server/tls_files.h"

namespace sluice::server {
namespace {

void Add(ValidationReport& report, const std::string& message) {
  for (auto line : absl::StrSplit(message, '\n', absl::SkipEmpty())) {
    report.errors.push_back(LeadWithLocation(std::string(line)));
  }
}

}  // namespace

std::string LeadWithLocation(const std::string& message) {
  constexpr std::string_view kFile = "file ";
  const size_t at = message.find(kFile);
  if (at == std::string::npos) return message;
  // "<path>:<digits>" ends at the first ':' followed by digits and then ' ', ':' or ')'.
  const std::string rest = message.substr(at + kFile.size());
  for (size_t colon = rest.find(':'); colon != std::string::npos;
       colon = rest.find(':', colon + 1)) {
    size_t end = colon + 1;
    while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end]))) ++end;
    if (end == colon + 1 || (end < rest.size() && rest[end] != ' ' && rest[end] != ':' &&
                             rest[end] != ')')) {
      continue;
    }
    const std::string location = rest.substr(0, end);
    if (at == 0 && end < rest.size() && rest[end] == ':') {  // "file p:3: problem"
      return rest;
    }
    if (absl::StartsWith(message, location)) return message;
    return absl::StrCat(location, ": ", message);
  }
  return message;
}

ValidationReport ValidateConfiguration(const CommandLine& command_line) {
  ValidationReport report;
  for (const std::string& error : command_line.errors) Add(report, error);
  const Config& config = command_line.config;
  std::string rules = "no rules path";
  if (!config.rules.path.empty()) {
    size_t files = 0;
    std::vector<absl::Status> errors = rules::CheckRuleFiles(config.rules.path, &files);
    for (const absl::Status& error : errors) Add(report, std::string(error.message()));
    rules = absl::StrCat(files, files == 1 ? " rules file" : " rules files", " in ",
                         config.rules.path);
  }
  if (auto tls = LoadTlsMaterial(config); !tls.ok()) Add(report, std::string(tls.status().message()));
  if (config.gossip() && !config.mesh.secret_file.empty()) {
    if (auto secret = mesh::ReadSecretFile(config.mesh.secret_file); !secret.ok()) {
      Add(report, absl::StrCat("--mesh-secret-file: ", std::string(secret.status().message())));
    }
  }
  report.summary = absl::StrCat(
      "settings ok (", command_line.changed.size(), " not at their default); ", rules, " ok");
  return report;
}

}  // namespace sluice::server
