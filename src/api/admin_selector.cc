#include "api/admin_selector.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sluice::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Invalid(absl::string_view parameter, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("'", parameter, "': ", problem));
}

// A whole decimal int64 parameter; `min` is the smallest allowed.
absl::Status ParseInt(const std::map<std::string, std::string>& params, const std::string& name,
                      int64_t min, int64_t& out) {
  auto it = params.find(name);
  if (it == params.end()) {
    return Invalid(name, "required with 'name' and 'unique_key' (the value its clients send)");
  }
  if (!absl::SimpleAtoi(it->second, &out) || out < min) {
    return Invalid(name, absl::StrCat("'", it->second, "' is not an integer >= ", min));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> DecodeQueryComponent(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else if (i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("bad %-escape at byte ", i, " of '", text, "'"));
    }
  }
  return out;
}

absl::StatusOr<AdminSelector> ParseAdminSelector(absl::string_view query) {
  static constexpr absl::string_view kKnown[] = {"domain", "descriptor", "name", "unique_key",
                                                "limit",  "duration",   "algorithm"};
  std::map<std::string, std::string> params;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    auto key = DecodeQueryComponent(part.substr(0, eq));
    if (!key.ok()) return key.status();
    auto value = DecodeQueryComponent(eq == absl::string_view::npos ? "" : part.substr(eq + 1));
    if (!value.ok()) return Invalid(*key, value.status().message());
    bool known = false;
    for (absl::string_view k : kKnown) known = known || k == *key;
    if (!known) {
      return Invalid(*key, "unknown parameter; use domain and descriptor, or name, unique_key, "
                           "limit, duration and algorithm");
    }
    if (!params.emplace(*key, *value).second) return Invalid(*key, "given twice");
  }
  AdminSelector s;
  const bool envoy = params.contains("domain") || params.contains("descriptor");
  const bool gubernator = params.contains("name") || params.contains("unique_key");
  if (envoy == gubernator) {
    return absl::InvalidArgumentError(
        "select counters by 'domain' and 'descriptor' (an Envoy descriptor) or by 'name' and "
        "'unique_key' (a Gubernator key), not both and not neither");
  }
  if (envoy) {
    if (params["domain"].empty()) return Invalid("domain", "required and not empty");
    if (params["descriptor"].empty()) {
      return Invalid("descriptor", "required: entries k1=v1,k2=v2 (a value may be empty: k1)");
    }
    for (const char* field : {"limit", "duration", "algorithm"}) {
      if (params.contains(field)) return Invalid(field, "only with 'name' and 'unique_key'");
    }
    s.domain = params["domain"];
    for (absl::string_view entry : absl::StrSplit(params["descriptor"], ',')) {
      const size_t eq = entry.find('=');
      std::string key(entry.substr(0, eq));
      if (key.empty()) {
        return Invalid("descriptor", absl::StrCat("entry ", s.entries.size(), " ('", entry,
                                                  "') has an empty key"));
      }
      s.entries.emplace_back(std::move(key),
                             eq == absl::string_view::npos ? "" : entry.substr(eq + 1));
    }
    return s;
  }
  if (params["name"].empty()) return Invalid("name", "required and not empty");
  if (params["unique_key"].empty()) return Invalid("unique_key", "required and not empty");
  s.name = params["name"];
  s.unique_key = params["unique_key"];
  if (auto st = ParseInt(params, "limit", 0, s.limit); !st.ok()) return st;
  if (auto st = ParseInt(params, "duration", 1, s.duration); !st.ok()) return st;
  if (auto it = params.find("algorithm"); it != params.end()) {
    if (it->second != "0" && it->second != "1" && it->second != "3") {
      return Invalid("algorithm", absl::StrCat("'", it->second,
                                               "' is not 0 (token bucket), 1 (leaky bucket) or "
                                               "3 (sliding window)"));
    }
    s.algorithm = it->second[0] - '0';
  }
  return s;
}

}  // namespace sluice::api
