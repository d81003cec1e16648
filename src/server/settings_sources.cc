#include "server/settings_sources.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace sluice::server {
namespace {

// A NAME=value pair with where it came from.
struct Variable {
  std::string name;
  std::string value;
  std::string source;
};

// Position of a GUBER_* name in GuberMappings(), so the table's order decides which of two
// variables for one option wins (GUBER_DEBUG after GUBER_LOG_LEVEL).
size_t GuberRank(const std::string& name) {
  auto mappings = GuberMappings();
  for (size_t i = 0; i < mappings.size(); ++i) {
    if (mappings[i].name == name) return i;
  }
  return mappings.size();
}

// Converts one setting; a conversion error names the flag and the source.
absl::Status AddItem(const SettingTarget& target, const std::vector<std::string>& raw,
                     const std::string& source, SettingsLayer& layer) {
  std::vector<std::string> notes;
  auto values = ConvertValue(target.kind, raw, *target.option, target.flag, &notes);
  for (const std::string& note : notes) layer.warnings.push_back(absl::StrCat(source, ": ", note));
  if (!values.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.flag, " (", source, "): ", std::string(values.status().message())));
  }
  if (!values->has_value()) return absl::OkStatus();
  layer.items.push_back(SettingItem{target.option, target.flag, **values, source});
  return absl::OkStatus();
}

// SLUICE_*, GUBER_* and OTEL_* variables, from the environment or a KEY=VALUE file.
absl::StatusOr<SettingsLayer> ReadVariables(const SettingsCatalog& catalog,
                                            std::vector<Variable> variables, bool from_file) {
  // GUBER_* in table order, then SLUICE_*: later items win.
  std::stable_sort(variables.begin(), variables.end(), [](const Variable& a, const Variable& b) {
    const bool a_sluice = absl::StartsWith(a.name, "SLUICE_");
    const bool b_sluice = absl::StartsWith(b.name, "SLUICE_");
    if (a_sluice != b_sluice) return b_sluice;
    return !a_sluice && GuberRank(a.name) < GuberRank(b.name);
  });
  SettingsLayer layer;
  for (const Variable& variable : variables) {
    std::optional<SettingTarget> target;
    if (absl::StartsWith(variable.name, "SLUICE_")) {
      target = catalog.ForSluiceVariable(variable.name);
      if (!target) {
        layer.warnings.push_back(absl::StrCat(variable.source, ": ", variable.name,
                                              " is not a Sluice setting; ignored"));
        continue;
      }
      if (from_file && target->option->check_lname("settings")) {
        return absl::InvalidArgumentError(
            absl::StrCat(variable.source, ": a settings file cannot name another one"));
      }
    } else if (absl::StartsWith(variable.name, "GUBER_") ||
               absl::StartsWith(variable.name, "OTEL_")) {
      target = catalog.ForGuberVariable(variable.name);
      if (!target) {
        // Without --discovery, static peers are all there is: "none" asks for nothing else.
        const bool no_discovery = variable.name == "GUBER_PEER_DISCOVERY_TYPE" &&
                                  absl::AsciiStrToLower(variable.value) == "none";
        if (!no_discovery && !variable.value.empty()) {
          layer.warnings.push_back(absl::StrCat(variable.source, ": ", variable.name,
                                                " is not supported by Sluice; ignored"));
        }
        continue;
      }
    } else {
      if (from_file) {
        layer.warnings.push_back(absl::StrCat(variable.source, ": ", variable.name,
                                              " is not a Sluice or Gubernator setting; ignored"));
      }
      continue;
    }
    if (auto status = AddItem(*target, {variable.value}, variable.source, layer); !status.ok()) {
      return status;
    }
  }
  return layer;
}

// The first line that is neither blank nor a comment looks like NAME=...
bool LooksLikeKeyValue(std::string_view text) {
  for (auto line : absl::StrSplit(std::string(text), '\n')) {
    auto trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    size_t i = 0;
    while (i < trimmed.size() && (absl::ascii_isalnum(trimmed[i]) || trimmed[i] == '_')) ++i;
    const size_t name_end = i;
    while (i < trimmed.size() && (trimmed[i] == ' ' || trimmed[i] == '\t')) ++i;
    return name_end > 0 && i < trimmed.size() && trimmed[i] == '=';
  }
  return false;
}

// Gubernator's format (config.go): lines starting with '#', a space or a tab, and empty lines
// are skipped; the rest are KEY=VALUE with both sides trimmed; a later line wins.
absl::StatusOr<SettingsLayer> ParseKeyValue(const SettingsCatalog& catalog, std::string_view text,
                                            const std::string& path) {
  std::map<std::string, Variable> by_name;
  int number = 0;
  for (auto raw_line : absl::StrSplit(std::string(text), '\n')) {
    ++number;
    std::string line(raw_line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#' || line.front() == ' ' || line.front() == '\t') {
      continue;
    }
    const size_t equals = line.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("file ", path, ": malformed key=value on line '", number, "'"));
    }
    std::string name(absl::StripAsciiWhitespace(line.substr(0, equals)));
    std::string value(absl::StripAsciiWhitespace(line.substr(equals + 1)));
    std::string source = absl::StrCat("file ", path, ":", number, " (", name, ")");
    by_name[name] = Variable{name, std::move(value), std::move(source)};
  }
  std::vector<Variable> variables;
  for (auto& [name, variable] : by_name) variables.push_back(std::move(variable));
  return ReadVariables(catalog, std::move(variables), /*from_file=*/true);
}

int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 1 : mark.line + 1;
}

std::string SectionList() {
  std::vector<std::string> names;
  for (std::string_view section : FileSections()) names.emplace_back(section);
  for (const SettingAlias& alias : FileAliases()) {
    std::string section(alias.name.substr(0, alias.name.find('.')));
    if (std::find(names.begin(), names.end(), section) == names.end()) names.push_back(section);
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<SettingsLayer> ParseYaml(const SettingsCatalog& catalog, std::string_view text,
                                        const std::string& path, bool keep_going) {
  auto error = [&path](int line, const std::string& problem) {
    return absl::InvalidArgumentError(absl::StrCat("file ", path, ":", line, ": ", problem));
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return error(e.mark.is_null() ? 1 : e.mark.line + 1,
                 absl::StrCat("YAML syntax error: ", e.msg));
  }
  SettingsLayer layer;
  if (root.IsNull()) return layer;
  if (!root.IsMap()) {
    return error(LineOf(root),
                 absl::StrCat("expected sections at the top level (", SectionList(), ")"));
  }
  // Every key is looked at, so one run names every mistake in the file.
  std::vector<std::string> problems;
  auto problem = [&](int line, const std::string& what) {
    problems.emplace_back(error(line, what).message());
  };
  std::map<const CLI::Option*, std::string> set_by;  // option → source, for duplicates
  for (const auto& section_entry : root) {
    const std::string section = section_entry.first.Scalar();
    const YAML::Node& body = section_entry.second;
    if (body.IsNull()) continue;
    if (!body.IsMap()) {
      problem(LineOf(section_entry.first),
              absl::StrCat("section '", section, "' must be a mapping of keys to values"));
      continue;
    }
    for (const auto& entry : body) {
      const std::string key = absl::StrCat(section, ".", entry.first.Scalar());
      const int line = LineOf(entry.first);
      const std::string source = absl::StrCat("file ", path, ":", line, " (", key, ")");
      auto target = catalog.ForFileKey(key);
      if (!target) {
        if (catalog.IsIgnoredFileKey(key)) {
          layer.warnings.push_back(
              absl::StrCat(source, ": Sluice has no such setting (a Hivemind key); ignored"));
          continue;
        }
        auto known = catalog.FileKeysIn(section);
        if (known.empty()) {
          problem(line, absl::StrCat("unknown section '", section, "'; sections: ", SectionList()));
          break;  // one message for the whole section
        }
        problem(line, absl::StrCat("unknown setting '", key, "'; known keys in section '", section,
                                   "': ", absl::StrJoin(known, ", ")));
        continue;
      }
      std::vector<std::string> raw;
      const YAML::Node& value = entry.second;
      if (value.IsNull()) continue;
      bool shape_ok = true;
      if (value.IsScalar()) {
        raw.push_back(value.Scalar());
      } else if (value.IsSequence()) {
        for (const auto& item : value) {
          if (!item.IsScalar()) {
            problem(LineOf(item), absl::StrCat("'", key, "': list items must be scalars"));
            shape_ok = false;
            break;
          }
          raw.push_back(item.Scalar());
        }
      } else {
        problem(line, absl::StrCat("'", key, "' must be a value or a list, not a mapping"));
        shape_ok = false;
      }
      if (!shape_ok) continue;
      if (auto it = set_by.find(target->option); it != set_by.end()) {
        problem(line,
                absl::StrCat("'", key, "' sets ", target->flag, ", already set by ", it->second));
        continue;
      }
      set_by[target->option] = source;
      if (auto status = AddItem(*target, raw, source, layer); !status.ok()) {
        problems.emplace_back(status.message());
      }
    }
  }
  if (keep_going) {
    layer.errors = std::move(problems);
  } else if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  }
  return layer;
}

}  // namespace

Environment ProcessEnvironment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return environment;
}

absl::StatusOr<SettingsLayer> ReadEnvironment(const SettingsCatalog& catalog,
                                              const Environment& environment) {
  std::vector<Variable> variables;
  for (const auto& [name, value] : environment) {
    if (!absl::StartsWith(name, "SLUICE_") && !absl::StartsWith(name, "GUBER_") &&
        !absl::StartsWith(name, "OTEL_")) {
      continue;
    }
    variables.push_back(Variable{name, value, absl::StrCat("variable ", name)});
  }
  return ReadVariables(catalog, std::move(variables), /*from_file=*/false);
}

absl::StatusOr<SettingsLayer> ReadSettingsFile(const SettingsCatalog& catalog,
                                               const std::string& path, bool keep_going) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--settings: cannot read settings file '", path, "'"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseSettingsText(catalog, text.str(), path, keep_going);
}

absl::StatusOr<SettingsLayer> ParseSettingsText(const SettingsCatalog& catalog,
                                                std::string_view text, const std::string& path,
                                                bool keep_going) {
  if (LooksLikeKeyValue(text)) return ParseKeyValue(catalog, text, path);
  return ParseYaml(catalog, text, path, keep_going);
}

}  // namespace sluice::server
