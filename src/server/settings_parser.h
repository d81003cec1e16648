// ParseSettings: fills the options declared on a CLI::App from the command line, the
// environment and the settings file, with the precedence
//
//   flags  >  environment (SLUICE_* over GUBER_*)  >  settings file  >  defaults
//
// in one place, so any option declared on the App takes part without further code.
//
// How:
//  1. argv is parsed alone. Help, version, --print-config-reference and command-line errors end
//     here (so `sluice -h` works whatever the environment says), and it tells which options the
//     command line gave.
//  2. The environment is read, then the settings file (--settings, else SLUICE_SETTINGS).
//  3. Every value from the environment and the file is checked by its option (conversion and
//     validators), even one a higher layer overrides, so a bad value stops startup with a
//     message naming the setting, its source and the allowed values:
//       --cache-size (variable SLUICE_CACHE_SIZE): invalid value 'zero'; allowed: INT in [...]
//  4. For each option the command line did not give, the highest layer's value becomes a
//     synthesized `--flag=value` ahead of argv, and the App parses everything once more: one
//     final parse, one set of callbacks, the same checks as a flag gets.
// A single-valued option repeated on the command line takes the last value.
//
// Thread safety: startup, one thread. Option callbacks may run more than once (a check, then
// the final parse), so they must only store the value, as bound variables do.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/settings_sources.h"

namespace CLI {
class App;
}  // namespace CLI

namespace sluice::server {

// The hidden flag that prints docs/configuration.md.
inline constexpr char kPrintReferenceFlag[] = "--print-config-reference";

struct ParsedSettings {
  bool exit_now = false;  // help, version or the reference was asked for: print `output`, exit 0
  std::string output;
  std::vector<std::string> warnings;  // for the caller to log (in the configured format)
  // Where each option that is not at its default got its value, by the option's first long
  // name: "--addr" → "flag --addr", "variable SLUICE_ADDR", "file a.yaml:3 (server.grpc_address)".
  std::map<std::string, std::string> sources;
  // With keep_going: every bad value and settings-file error, one message each; the options they
  // were for keep their next layer's value (or the default).
  std::vector<std::string> errors;

  // For checks made after parsing (Validate): a message that starts with a flag name gets the
  // value's source after it: "--addr: bad" → "--addr (variable SLUICE_ADDR): bad".
  absl::Status Attribute(absl::Status status) const;
};

// Parses into `app`'s bound variables. Adds the hidden kPrintReferenceFlag to `app`. Errors are
// InvalidArgument with the message described above, one line per bad value (all are checked).
// `keep_going` (sluice --validate): bad values and settings-file errors go to `errors` instead
// and parsing goes on without them; the command line's own errors still fail.
absl::StatusOr<ParsedSettings> ParseSettings(CLI::App& app, int argc, const char* const* argv,
                                             const Environment& environment,
                                             bool keep_going = false);

}  // namespace sluice::server
