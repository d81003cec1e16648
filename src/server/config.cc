#include "server/config.h"

#include <CLI/CLI.hpp>

#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "api/http_server.h"

namespace sluice::server {

absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine out;
  Config& c = out.config;
  CLI::App app{"Sluice: a distributed rate-limiting service (Gubernator and Envoy RLS compatible)",
               "sluice"};
  app.set_version_flag("-V,--version", kVersion);
  std::string peers;
  app.add_option("-a,--addr", c.grpc_address, "gRPC listen address (all gRPC services)")
      ->capture_default_str();
  app.add_option("--http-addr", c.http_address, "HTTP listen address (gateway, /metrics)")
      ->capture_default_str();
  app.add_option("--advertise-addr", c.advertise_address,
                 "address peers use to reach this node's gRPC (default: the gRPC address)");
  app.add_option("--cache-size", c.cache_size, "store capacity in tracked keys")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 32));
  app.add_option("--http-threads", c.http_threads, "HTTP I/O threads (0 = number of CPUs)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("-c,--config,--rules", c.rules_path,
                 "Envoy rules: a YAML file or a directory of them");
  app.add_flag("!--no-rules-watch", c.rules_watch,
               "do not watch the rules path for changes (SIGHUP still reloads)");
  app.add_flag("--shadow-mode", c.envoy_shadow_mode,
               "Envoy door: answer OK even when over the limit (statuses still say OVER_LIMIT)");
  app.add_flag("--rate-limit-headers", c.envoy_rate_limit_headers,
               "Envoy door: add RateLimit-Limit/-Remaining/-Reset response headers");
  app.add_option("--log-level", c.log_level, "log level")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--log-format", c.log_format, "log format")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--peers", peers, "static cluster peers or mesh seeds: host:port,...");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    // -h or -V.
    std::ostringstream text;
    if (std::string(e.what()).empty() || argc < 2) {
      text << app.help();
    } else {
      app.exit(e, text, text);
    }
    out.exit_now = true;
    out.output = text.str();
    return out;
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(absl::StrCat(e.what(), "\nRun with --help for usage."));
  }
  for (auto part : absl::StrSplit(peers, ',', absl::SkipWhitespace())) {
    c.peers.emplace_back(part);
  }
  if (auto status = Validate(c); !status.ok()) return status;
  return out;
}

absl::Status Validate(const Config& c) {
  auto check = [](std::string_view setting, const std::string& address) -> absl::Status {
    auto hp = api::SplitHostPort(address);
    if (!hp.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(setting), ": ", std::string(hp.status().message()), " (expected host:port)"));
    }
    return absl::OkStatus();
  };
  if (auto s = check("--addr", c.grpc_address); !s.ok()) return s;
  if (auto s = check("--http-addr", c.http_address); !s.ok()) return s;
  if (c.advertise_address.empty()) return absl::OkStatus();  // derived from the bound address
  if (auto s = check("--advertise-addr", c.advertise_address); !s.ok()) return s;
  auto advertise = api::SplitHostPort(c.advertise_address);
  if (advertise->first == "0.0.0.0" || advertise->first == "::") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--advertise-addr: '", c.advertise_address,
        "' cannot be advertised; give the address peers reach this node at"));
  }
  for (const auto& peer : c.peers) {
    if (auto s = check("--peers", peer); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sluice::server
