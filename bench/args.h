// Args: the bench tools' command-line flags, `--name value` pairs after an optional subcommand.
// Unknown flags are reported by Unused() so a typo fails loudly instead of being ignored.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

namespace sluice::bench {

class Args {
 public:
  // Parses argv[first..argc) as `--name value` pairs. ok() is false on a dangling flag.
  Args(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
      std::string name = argv[i];
      if (name.rfind("--", 0) != 0 || i + 1 >= argc) {
        ok_ = false;
        return;
      }
      values_[name] = argv[++i];
    }
  }

  bool ok() const { return ok_; }

  std::string Get(const std::string& name, const std::string& fallback) const {
    used_.insert(name);
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  int64_t GetInt(const std::string& name, int64_t fallback) const {
    used_.insert(name);
    auto it = values_.find(name);
    return it == values_.end() ? fallback : std::strtoll(it->second.c_str(), nullptr, 10);
  }

  // The first flag given but never asked for, or "" when every flag was used.
  std::string Unused() const {
    for (const auto& [name, value] : values_) {
      if (!used_.count(name)) return name;
    }
    return "";
  }

 private:
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> used_;
  bool ok_ = true;
};

}  // namespace sluice::bench
