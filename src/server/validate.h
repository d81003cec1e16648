// `sluice --validate`: everything a start would check before binding a port — the settings from
// flags, environment and settings file, the rules files, the TLS files — checked without starting
// anything, with every error reported rather than the first.
//
// Thread safety: pure functions of their arguments and of the files they read.
#pragma once

#include <string>
#include <vector>

#include "server/config.h"

namespace sluice::server {

struct ValidationReport {
  // One line per problem, led by the file:line it is about when it is about a file
  // ("/etc/sluice/rules/api.yaml:7: unknown key 'uint' in rate_limit").
  std::vector<std::string> errors;
  // What was checked, for a run without errors ("settings ok; 3 rules files, 3 domains").
  std::string summary;
};

// Checks `command_line` (parsed with validate set, so its errors are collected) and the files
// its config names.
ValidationReport ValidateConfiguration(const CommandLine& command_line);

// `message` led by the first "<path>:<line>" it names after "file " (a settings source), or
// unchanged when it names none or already starts with it.
std::string LeadWithLocation(const std::string& message);

}  // namespace sluice::server
