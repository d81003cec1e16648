#include "server/settings_values.h"

#include <CLI/CLI.hpp>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace sluice::server {
namespace {

constexpr char kBoolValues[] = "true or false (also 1/0, t/f, yes/no, on/off)";

absl::Status Invalid(std::string_view value, std::string_view allowed) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid value '", std::string(value), "'; allowed: ", std::string(allowed)));
}

// One scalar: a list is an error for kinds that take one value.
absl::StatusOr<std::string> Single(const std::vector<std::string>& raw, std::string_view allowed) {
  if (raw.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected one value, got a list; allowed: ", std::string(allowed)));
  }
  return raw.front();
}

// The arguments for a plain value: lists become comma-joined text, unless the option takes
// repeated values without a delimiter, which get one argument per item.
std::vector<std::string> Shape(const std::vector<std::string>& raw, const CLI::Option& option) {
  const bool repeated = option.get_items_expected_max() > 1 && option.get_delimiter() == '\0';
  if (!repeated) return {absl::StrJoin(raw, ",")};
  std::vector<std::string> items;
  for (const std::string& value : raw) {
    for (auto part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      items.emplace_back(absl::StripAsciiWhitespace(part));
    }
  }
  return items;
}

// The unit `option` takes a duration in: its name's suffix; a number without a suffix is taken
// to be in the source's unit (seconds for kSeconds, else milliseconds); otherwise text.
DurationUnit UnitOf(const CLI::Option& option, std::string_view flag, ValueKind kind) {
  DurationUnit unit = DurationUnitOfFlag(flag);
  const std::string type = option.get_type_name();
  const bool numeric = absl::StartsWith(type, "INT") || absl::StartsWith(type, "UINT") ||
                       absl::StartsWith(type, "FLOAT");
  if (unit != DurationUnit::kText || !numeric) return unit;
  return kind == ValueKind::kSeconds ? DurationUnit::kSeconds : DurationUnit::kMilliseconds;
}

absl::StatusOr<std::vector<std::string>> Duration(absl::Duration duration,
                                                  const CLI::Option& option, std::string_view flag,
                                                  ValueKind kind, std::string_view raw,
                                                  std::vector<std::string>* warnings) {
  bool rounded = false;
  std::string text = RenderDuration(duration, UnitOf(option, flag, kind), &rounded);
  if (rounded && warnings != nullptr) {
    warnings->push_back(
        absl::StrCat("'", std::string(raw), "' rounded to ", text, " for ", std::string(flag)));
  }
  return std::vector<std::string>{text};
}

}  // namespace

std::string_view DescribeKind(ValueKind kind) {
  switch (kind) {
    case ValueKind::kPlain:
      return "";
    case ValueKind::kBool:
      return "boolean";
    case ValueKind::kInvertedBool:
      return "boolean, negated";
    case ValueKind::kGoDuration:
      return "Go duration (500us, 100ms, 5s) in the flag's unit";
    case ValueKind::kMilliseconds:
      return "milliseconds, in the flag's unit";
    case ValueKind::kSeconds:
      return "seconds, in the flag's unit";
    case ValueKind::kPort:
      return "port; host 127.0.0.1 (the default host)";
    case ValueKind::kListenAddress:
      return "\":port\" means 0.0.0.0:port; a host (localhost too) is kept";
    case ValueKind::kLogLevel:
      return "warning → warn, fatal/panic → error";
    case ValueKind::kDebug:
      return "true → debug";
    case ValueKind::kDiscovery:
      return "none → static, member-list → mesh, dns, etcd, k8s";
  }
  return "";
}

absl::StatusOr<bool> ParseBool(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  for (const char* yes : {"1", "t", "true", "yes", "on"}) {
    if (lower == yes) return true;
  }
  for (const char* no : {"0", "f", "false", "no", "off"}) {
    if (lower == no) return false;
  }
  return Invalid(text, kBoolValues);
}

absl::StatusOr<absl::Duration> ParseGoDuration(std::string_view text) {
  constexpr char kAllowed[] = "a Go duration such as 500us, 100ms, 5s, 1m30s";
  std::string normalized =
      absl::StrReplaceAll(std::string(text), {{"\xC2\xB5s", "us"}, {"\xCE\xBCs", "us"}});
  absl::Duration duration;
  if (!absl::ParseDuration(normalized, &duration) || duration == absl::InfiniteDuration() ||
      duration < absl::ZeroDuration()) {
    return Invalid(text, kAllowed);
  }
  return duration;
}

DurationUnit DurationUnitOfFlag(std::string_view flag) {
  const std::string name(flag);
  if (absl::EndsWith(name, "-us")) return DurationUnit::kMicroseconds;
  if (absl::EndsWith(name, "-ms")) return DurationUnit::kMilliseconds;
  if (absl::EndsWith(name, "-sec") || absl::EndsWith(name, "-seconds") ||
      absl::EndsWith(name, "-s")) {
    return DurationUnit::kSeconds;
  }
  return DurationUnit::kText;
}

std::string RenderDuration(absl::Duration duration, DurationUnit unit, bool* rounded) {
  if (rounded != nullptr) *rounded = false;
  double count = 0;
  switch (unit) {
    case DurationUnit::kText:
      return absl::FormatDuration(duration);
    case DurationUnit::kMicroseconds:
      count = absl::ToDoubleMicroseconds(duration);
      break;
    case DurationUnit::kMilliseconds:
      count = absl::ToDoubleMilliseconds(duration);
      break;
    case DurationUnit::kSeconds:
      count = absl::ToDoubleSeconds(duration);
      break;
  }
  int64_t whole = std::llround(count);
  if (whole == 0 && count > 0) whole = 1;
  if (rounded != nullptr) *rounded = static_cast<double>(whole) != count;
  return std::to_string(whole);
}

absl::StatusOr<std::optional<std::vector<std::string>>> ConvertValue(
    ValueKind kind, const std::vector<std::string>& raw, const CLI::Option& option,
    std::string_view flag, std::vector<std::string>* warnings) {
  if (raw.empty() || (raw.size() == 1 && raw.front().empty())) return std::nullopt;
  using Values = std::vector<std::string>;
  switch (kind) {
    case ValueKind::kPlain:
      return Shape(raw, option);
    case ValueKind::kBool:
    case ValueKind::kInvertedBool:
    case ValueKind::kDebug: {
      auto text = Single(raw, kBoolValues);
      if (!text.ok()) return text.status();
      auto value = ParseBool(*text);
      if (!value.ok()) return value.status();
      if (kind == ValueKind::kDebug) {
        if (!*value) return std::nullopt;
        return Values{"debug"};
      }
      const bool result = kind == ValueKind::kInvertedBool ? !*value : *value;
      return Values{result ? "true" : "false"};
    }
    case ValueKind::kGoDuration:
    case ValueKind::kMilliseconds:
    case ValueKind::kSeconds: {
      constexpr char kWhole[] = "a whole number";
      auto text = Single(raw, kind == ValueKind::kGoDuration ? "a Go duration" : kWhole);
      if (!text.ok()) return text.status();
      absl::Duration duration;
      if (kind == ValueKind::kGoDuration) {
        auto parsed = ParseGoDuration(*text);
        if (!parsed.ok()) return parsed.status();
        duration = *parsed;
      } else {
        int64_t count = 0;
        if (!absl::SimpleAtoi(*text, &count) || count < 0) {
          return Invalid(*text, kind == ValueKind::kMilliseconds ? "a whole number of milliseconds"
                                                                 : "a whole number of seconds");
        }
        duration =
            kind == ValueKind::kMilliseconds ? absl::Milliseconds(count) : absl::Seconds(count);
      }
      return Duration(duration, option, flag, kind, *text, warnings);
    }
    case ValueKind::kPort: {
      constexpr char kPorts[] = "a port number 0-65535";
      auto text = Single(raw, kPorts);
      if (!text.ok()) return text.status();
      int port = -1;
      if (!absl::SimpleAtoi(*text, &port) || port < 0 || port > 65535)
        return Invalid(*text, kPorts);
      std::string host = "127.0.0.1";
      const std::string default_address = option.get_default_str();
      if (auto colon = default_address.rfind(':'); colon != std::string::npos && colon > 0) {
        host = default_address.substr(0, colon);
      }
      return Values{absl::StrCat(host, ":", port)};
    }
    case ValueKind::kListenAddress: {
      auto text = Single(raw, "host:port");
      if (!text.ok()) return text.status();
      if (absl::StartsWith(*text, ":")) return Values{absl::StrCat("0.0.0.0", *text)};
      return Values{*text};
    }
    case ValueKind::kLogLevel: {
      auto text = Single(raw, "a log level");
      if (!text.ok()) return text.status();
      std::string level = absl::AsciiStrToLower(*text);
      if (level == "warning") level = "warn";
      if (level == "fatal" || level == "panic") level = "error";
      return Values{level};
    }
    case ValueKind::kDiscovery: {
      constexpr char kTypes[] = "member-list, k8s, etcd, dns, none";
      auto text = Single(raw, kTypes);
      if (!text.ok()) return text.status();
      const std::string type = absl::AsciiStrToLower(*text);
      if (type == "none") return Values{"static"};
      if (type == "member-list") return Values{"mesh"};
      if (type == "dns" || type == "etcd" || type == "k8s") return Values{type};
      return Invalid(*text, kTypes);
    }
  }
  return Values{};
}

}  // namespace sluice::server
