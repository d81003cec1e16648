// Exposition: Prometheus text exposition (what /metrics and obs::Registry::Render() return)
// parsed into its samples and family types, so a test reads a counter exactly as a scrape
// exports it — unit tests from Registry::Render(), integration tests from a node's /metrics.
//
// Header-only, no dependency on src/ (only the namespace is obs's): the text is all it reads.
// Thread safety: a value type.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace sluice::obs {

struct Exposition {
  // "name{labels}" exactly as rendered (labels sorted by name) → value.
  std::map<std::string, double> samples;
  // Family name → "counter", "gauge", "histogram" or "summary".
  std::map<std::string, std::string> types;

  // The value of `series`, e.g. `sluice_peer_errors_total` or
  // `sluice_global_errors_total{op="send"}`; -1 when the exposition has no such series.
  double Get(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? -1 : it->second;
  }
};

inline Exposition ParseExposition(std::string_view text) {
  Exposition out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      out.types[name] = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out.samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

}  // namespace sluice::obs
