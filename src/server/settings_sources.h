// The two layers below the command line, read into SettingItems: the environment (SLUICE_* and
// GUBER_* variables) and the settings file (YAML sections, or Gubernator's KEY=VALUE lines).
// Values are converted (settings_values.h) but not yet checked by the options themselves; the
// parser (settings_parser.h) does that, so every error names the setting, its source and the
// allowed values. Empty values mean "not set".
//
// Naming in the messages: a source is "variable SLUICE_CACHE_SIZE",
// "file /etc/sluice.yaml:3 (server.cache_size)" or "file /etc/gubernator.conf:2 (GUBER_...)".
//
// Thread safety: pure functions of their arguments (and of the file read).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/settings_catalog.h"

namespace sluice::server {

// One setting from one source, converted into the arguments of one option.
struct SettingItem {
  CLI::Option* option = nullptr;
  std::string flag;                 // the long name to pass the values as, e.g. "--cache-size"
  std::vector<std::string> values;  // its arguments: one, or one per list item
  std::string source;               // where it came from (see above)
};

struct SettingsLayer {
  std::vector<SettingItem> items;     // a later item wins over an earlier one for its option
  std::vector<std::string> warnings;  // unsupported or unknown names, rounded durations
  // With keep_going: the problems that would have failed the read; `items` holds the rest.
  std::vector<std::string> errors;
};

using Environment = std::map<std::string, std::string>;

// The process's environment.
Environment ProcessEnvironment();

// SLUICE_<LONG_NAME> for every option, and the GUBER_* names of GuberMappings(). GUBER_* come
// first (in table order), then SLUICE_*, so a SLUICE_* variable wins over a GUBER_* one for the
// same option. Unknown SLUICE_* and unsupported GUBER_* names are warnings; other variables are
// not looked at.
absl::StatusOr<SettingsLayer> ReadEnvironment(const SettingsCatalog& catalog,
                                              const Environment& environment);

// Reads the settings file at `path`. Gubernator's KEY=VALUE format when the first line that is
// neither blank nor a comment looks like NAME=..., else YAML: a mapping of sections to mappings
// of keys to a scalar or a list of scalars. Unknown keys are errors naming file:line and the
// section's known keys; a second key for an option already set in the file is an error. A YAML
// file's error names every such problem in the file, one per line; with `keep_going` they go to
// the layer's `errors` instead, beside the good items (sluice --validate).
absl::StatusOr<SettingsLayer> ReadSettingsFile(const SettingsCatalog& catalog,
                                               const std::string& path, bool keep_going = false);

// The same for text already read; `path` only names the source.
absl::StatusOr<SettingsLayer> ParseSettingsText(const SettingsCatalog& catalog,
                                                std::string_view text, const std::string& path,
                                                bool keep_going = false);

}  // namespace sluice::server
