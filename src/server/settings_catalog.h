// SettingsCatalog: the names under which each command-line option can also be given — its
// SLUICE_* environment variables, its key in the settings file, the Gubernator variables and
// file aliases (Hivemind's keys) that map onto it. Everything is derived at runtime from the
// options declared on the CLI::App, so an option added there gets a variable, a file key and a
// row in docs/configuration.md without further code:
//
//   variable:  SLUICE_ + the long name in upper snake case   --http-addr → SLUICE_HTTP_ADDR
//   file key:  <section>.<name in snake case>                --log-level → log.level
//              The section comes from the option's CLI11 group when it names a section, else
//              from the name's first word (kSectionWords in the .cc), else `server`; the
//              section's word is dropped from the key, a name equal to its section becomes
//              `enabled`, a negated flag `--no-x` becomes `x` with the value inverted. A few
//              options have explicit keys (kCanonicalKeys) and a few keys are aliases
//              (FileAliases: Hivemind's `server.grpc_port`, `mesh.bootstrap_peers`, ...).
//   GUBER_*:   the GuberMappings() table; an entry whose flag this build lacks is unsupported.
//
// Thread safety: build and use on one thread during startup. Holds pointers into the App, which
// must outlive the catalog.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/settings_values.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace sluice::server {

// The CLI11 group of options that are commands (--validate), not settings: they get no variable,
// no settings-file key and no row in the reference.
inline constexpr std::string_view kCommandGroup = "Commands";

// One way to set an option from outside the command line.
struct SettingTarget {
  CLI::Option* option = nullptr;
  std::string flag;  // the long name the value is passed as, e.g. "--no-rules-watch"
  ValueKind kind = ValueKind::kPlain;
};

// Another name for a flag: a Gubernator variable, or a settings-file key besides the canonical
// ones. `flags` lists candidate long names, space-separated; the first the App has is used
// (duration kinds also try the suffixes -ms, -us, -sec, -seconds, -s). When none exists the
// name is unsupported in this build.
struct SettingAlias {
  std::string_view name;  // "GUBER_CACHE_SIZE", "server.grpc_port"
  std::string_view flags;
  ValueKind kind = ValueKind::kPlain;
  std::string_view note;
};
// Gubernator's variables, in the order that decides between two for one flag (later wins).
std::span<const SettingAlias> GuberMappings();
// Settings-file keys besides the canonical ones (Hivemind's names, short forms).
std::span<const SettingAlias> FileAliases();

// The settings file's sections with canonical keys, in the order the docs list them.
std::span<const std::string_view> FileSections();

// Keys Hivemind documents that Sluice has no setting for: accepted with a warning. An entry
// `section.*` covers the whole section.
std::span<const std::string_view> IgnoredFileKeys();

class SettingsCatalog {
 public:
  // Indexes `app`'s options; call after every option is declared.
  explicit SettingsCatalog(CLI::App& app);

  // Every option that can be set (not help, version or hidden ones), in declaration order.
  const std::vector<CLI::Option*>& options() const { return options_; }

  // The option named by SLUICE_<LONG_NAME>, if any.
  std::optional<SettingTarget> ForSluiceVariable(std::string_view variable) const;
  // The option a GuberMappings() variable maps onto, if the variable is listed and the flag
  // exists.
  std::optional<SettingTarget> ForGuberVariable(std::string_view variable) const;
  // The option a settings-file key (`section.key`, canonical or alias) sets, if any.
  std::optional<SettingTarget> ForFileKey(std::string_view key) const;
  // Whether `key` is in IgnoredFileKeys() (and is not a real key).
  bool IsIgnoredFileKey(std::string_view key) const;

  std::vector<std::string> SluiceVariablesOf(const CLI::Option& option) const;
  std::vector<std::string> GuberVariablesOf(const CLI::Option& option) const;
  // The canonical settings-file key, or "" for an option the file cannot set (--settings).
  std::string FileKeyOf(const CLI::Option& option) const;
  // Every accepted key (canonical and alias) in `section`, sorted.
  std::vector<std::string> FileKeysIn(std::string_view section) const;

  // The first of `candidates` (space-separated long names, "--x --y") that the App has.
  std::optional<SettingTarget> Resolve(std::string_view candidates, ValueKind kind) const;

 private:
  CLI::App& app_;
  std::vector<CLI::Option*> options_;
  std::map<std::string, SettingTarget, std::less<>> file_keys_;  // canonical keys and aliases
  std::map<const CLI::Option*, std::string> canonical_keys_;
};

// "http-addr" → "SLUICE_HTTP_ADDR".
std::string SluiceVariableName(std::string_view long_name);

// The values an option accepts, in words: "true or false", "{text,json}", "INT in [1 - 10]".
std::string AllowedValues(const CLI::Option& option);

// Whether `option` is a flag (takes no argument on the command line).
bool IsFlag(const CLI::Option& option);

}  // namespace sluice::server
