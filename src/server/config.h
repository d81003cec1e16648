// Config: every setting of a Sluice node in one typed struct, with its default. It is filled
// and validated in one place (ParseCommandLine) and handed to constructors; nothing else reads
// flags or the environment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice::server {

struct Config {
  // gRPC listen address for every gRPC service. Default: 127.0.0.1:1051.
  std::string grpc_address = "127.0.0.1:1051";
  // HTTP listen address (gateway, /metrics). Default: 127.0.0.1:1050.
  std::string http_address = "127.0.0.1:1050";
  // Address peers use to reach this node's gRPC; never 0.0.0.0. Default: the gRPC address.
  std::string advertise_address;
  // Store capacity in tracked keys. Default: 50,000 (Gubernator's).
  int64_t cache_size = 50'000;
  // HTTP I/O threads. Default: 0 = number of CPUs.
  int http_threads = 0;
  // Envoy rules: a YAML file or a directory of them. Default: none (Envoy door answers OK).
  std::string rules_path;
  // Watch the rules path with inotify and reload on change (SIGHUP always reloads).
  // Default: true.
  bool rules_watch = true;
  // Envoy door: global shadow switch (OVER_LIMIT overall answers become OK). Default: false.
  bool envoy_shadow_mode = false;
  // Envoy door: add RateLimit-Limit/-Remaining/-Reset response headers. Default: false.
  bool envoy_rate_limit_headers = false;
  // Log level (trace, debug, info, warn, error) and format (text, json). Default: info, text.
  std::string log_level = "info";
  std::string log_format = "text";
  // Static peers (cluster) or seeds (mesh), host:port each. Default: none.
  std::vector<std::string> peers;
};

// What the command line asked for: run with a config, or print text (help, version) and exit.
struct CommandLine {
  Config config;
  bool exit_now = false;     // -h or -V: print `output` and exit 0
  std::string output;
};

// Parses argv. A bad flag or value is an error whose message names it and the allowed values.
absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv);

// Checks the values that flags cannot check on their own; the message names the setting.
absl::Status Validate(const Config& config);

// The version printed by -V.
inline constexpr char kVersion[] = "0.1.0";

}  // namespace sluice::server
