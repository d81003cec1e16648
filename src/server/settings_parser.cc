#include "server/settings_parser.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/config_reference.h"

namespace sluice::server {
namespace {

std::string NameOf(const CLI::Option& option) {
  return option.get_lnames().empty() ? option.get_name() : "--" + option.get_lnames().front();
}

// Checks `values` for `option` the way parsing would (flag values, conversion, validators),
// leaving the option without results. `raw` values of a flag still need the flag's meaning
// applied (a negated flag turns "true" into "false"); command-line results already have it.
absl::Status CheckValues(CLI::Option& option, const std::string& flag,
                         const std::vector<std::string>& values, bool raw,
                         const std::string& source) {
  try {
    option.clear();
    for (const std::string& value : values) {
      option.add_result(IsFlag(option) && raw ? option.get_flag_value(flag.substr(2), value)
                                              : value);
    }
    option.run_callback();
    option.clear();
    return absl::OkStatus();
  } catch (const CLI::Error& e) {
    option.clear();
    std::string detail;
    if (dynamic_cast<const CLI::ValidationError*>(&e) != nullptr) {
      detail = e.what();
      if (auto colon = detail.find(": "); colon != std::string::npos && detail[0] == '-') {
        detail = detail.substr(colon + 2);
      }
      // Range's "Value x not in range ..." and IsMember's "x not in {...}" only restate what
      // `allowed` says; other validators (files, for one) say something of their own.
      detail = absl::StrContains(detail, " not in ") ? "" : absl::StrCat(" (", detail, ")");
    }
    return absl::InvalidArgumentError(absl::StrCat(flag, " (", source, "): invalid value '",
                                                   absl::StrJoin(values, ","), "'", detail,
                                                   "; allowed: ", AllowedValues(option)));
  }
}

// A command-line error, naming the flag and its allowed values when a value is at fault.
absl::Status CommandLineError(CLI::App& app, const CLI::ParseError& error) {
  for (CLI::Option* option : app.get_options()) {
    if (option->count() == 0) continue;
    const std::vector<std::string> results = option->results();
    const std::string name = NameOf(*option);
    auto status = CheckValues(*option, name, results, /*raw=*/false, "flag " + name);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(status.message(), "\nRun with --help for usage."));
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(error.what(), "\nRun with --help for usage."));
}

}  // namespace

absl::Status ParsedSettings::Attribute(absl::Status status) const {
  const std::string message(status.message());
  if (status.ok() || !absl::StartsWith(message, "--")) return status;
  const size_t end = std::min(message.find(':'), message.find(' '));
  auto it = sources.find(message.substr(0, end));
  if (it == sources.end() || end == std::string::npos) return status;
  return absl::Status(status.code(),
                      absl::StrCat(it->first, " (", it->second, ")", message.substr(end)));
}

absl::StatusOr<ParsedSettings> ParseSettings(CLI::App& app, int argc, const char* const* argv,
                                             const Environment& environment, bool keep_going) {
  ParsedSettings out;
  if (app.get_option_no_throw(kPrintReferenceFlag) == nullptr) {
    app.add_flag(kPrintReferenceFlag)
        ->description("print the configuration reference (docs/configuration.md) and exit")
        ->group("");
  }
  for (CLI::Option* option : app.get_options()) {
    if (option->get_items_expected_max() == 1 &&
        option->get_multi_option_policy() == CLI::MultiOptionPolicy::Throw) {
      option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }
  if (app.get_footer().empty()) {
    app.footer(
        "Every option can also be set with the variable SLUICE_<LONG_NAME> (e.g. "
        "SLUICE_HTTP_ADDR) or in the --settings file; Gubernator's GUBER_* variables are "
        "accepted too. Precedence: flags > environment > settings file > defaults. See "
        "docs/configuration.md.");
  }

  // 1. The command line alone.
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // -h or -V
    std::ostringstream text;
    if (std::string(e.what()).empty() || argc < 2) {
      text << app.help();
    } else {
      app.exit(e, text, text);
    }
    out.exit_now = true;
    out.output = text.str();
    return out;
  } catch (const CLI::RequiredError&) {
    // A required option may come from the environment or the file; the final parse checks.
  } catch (const CLI::ParseError& e) {
    return CommandLineError(app, e);
  }
  SettingsCatalog catalog(app);
  if (app.get_option(kPrintReferenceFlag)->count() > 0) {
    out.exit_now = true;
    out.output = ConfigReferenceMarkdown(catalog);
    return out;
  }
  std::set<const CLI::Option*> on_command_line;
  for (const CLI::Option* option : catalog.options()) {
    if (option->count() == 0) continue;
    on_command_line.insert(option);
    out.sources[NameOf(*option)] = "flag " + NameOf(*option);
  }
  std::string settings_path;
  if (const CLI::Option* settings = app.get_option_no_throw("--settings");
      settings != nullptr && settings->count() > 0) {
    settings_path = settings->results().back();
  }

  // 2. The environment, then the settings file it or the command line names.
  auto environment_layer = ReadEnvironment(catalog, environment);
  if (!environment_layer.ok()) return environment_layer.status();
  for (const SettingItem& item : environment_layer->items) {
    if (settings_path.empty() && item.option->check_lname("settings")) {
      settings_path = item.values.back();
    }
  }
  SettingsLayer file_layer;
  if (!settings_path.empty()) {
    auto read = ReadSettingsFile(catalog, settings_path, keep_going);
    if (!read.ok() && !keep_going) return read.status();
    if (read.ok()) {
      file_layer = *std::move(read);
      out.errors = file_layer.errors;
    } else {
      out.errors = absl::StrSplit(read.status().message(), '\n');
    }
  }

  // 3. Every value is checked by its option (all of them, so one run names every bad value); the
  // highest layer's good value wins.
  std::vector<std::string> bad_values;
  std::map<const CLI::Option*, const SettingItem*> winners;
  for (const SettingsLayer* layer : {&file_layer, &*environment_layer}) {
    for (const SettingItem& item : layer->items) {
      if (auto status =
              CheckValues(*item.option, item.flag, item.values, /*raw=*/true, item.source);
          !status.ok()) {
        bad_values.emplace_back(status.message());
        continue;
      }
      if (!on_command_line.contains(item.option)) winners[item.option] = &item;
    }
  }
  if (!bad_values.empty() && !keep_going) {
    return absl::InvalidArgumentError(absl::StrJoin(bad_values, "\n"));
  }
  out.errors.insert(out.errors.end(), bad_values.begin(), bad_values.end());
  for (const SettingsLayer* layer : {&file_layer, &*environment_layer}) {
    out.warnings.insert(out.warnings.end(), layer->warnings.begin(), layer->warnings.end());
  }

  // 4. One parse of everything: the winners as synthesized flags, then the command line.
  std::vector<std::string> args;
  for (const CLI::Option* option : catalog.options()) {
    auto it = winners.find(option);
    if (it == winners.end()) continue;
    for (const std::string& value : it->second->values) {
      args.push_back(absl::StrCat(it->second->flag, "=", value));
    }
    out.sources[NameOf(*option)] = it->second->source;
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last first
  try {
    app.parse(std::move(args));
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  return out;
}

}  // namespace sluice::server
