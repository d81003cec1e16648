#include "server/settings_catalog.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace sluice::server {
namespace {

using K = ValueKind;

// Options whose file key is not the derived one.
constexpr std::pair<std::string_view, std::string_view> kCanonicalKeys[] = {
    {"addr", "server.grpc_address"},
    {"http-addr", "server.http_address"},
    {"advertise-addr", "server.advertise_address"},
    {"config", "rules.path"},
    {"mesh-addr", "mesh.bind_address"},
    {"mesh-advertise-addr", "mesh.advertise_address"},
};

// The section of an option whose name is, or starts with, `word` + "-".
constexpr std::pair<std::string_view, std::string_view> kSectionWords[] = {
    {"log", "log"},
    {"tls", "tls"},
    {"metrics", "metrics"},
    {"rules", "rules"},
    {"mesh", "mesh"},
    {"gossip", "mesh"},
    {"node-id", "mesh"},
    {"cluster", "cluster"},
    {"discovery", "cluster"},
    {"peers", "cluster"},
    {"dns", "cluster"},
    {"etcd", "cluster"},
    {"k8s", "cluster"},
    {"batch", "cluster"},
    {"disable-batching", "cluster"},
    {"global", "cluster"},
    {"force-global", "cluster"},
    {"peer", "cluster"},
    {"fail-open", "cluster"},
    {"on-peer-failure", "cluster"},
    {"data-center", "cluster"},
    {"replicated", "cluster"},
    {"envoy", "envoy"},
    {"otlp", "tracing"},
    {"trace", "tracing"},
    {"tracing", "tracing"},
    {"shadow-mode", "envoy"},
    {"rate-limit-headers", "envoy"},
    {"snapshot", "persistence"},
    {"store", "persistence"},
};

constexpr std::string_view kSections[] = {"server", "rules",   "cluster", "mesh",    "tls",
                                          "log",    "metrics", "envoy",   "tracing", "persistence"};

constexpr SettingAlias kGuberMappings[] = {
    {"GUBER_GRPC_ADDRESS", "--addr", K::kListenAddress, ""},
    {"GUBER_HTTP_ADDRESS", "--http-addr", K::kListenAddress, ""},
    {"GUBER_STATUS_HTTP_ADDRESS", "--status-http-addr --status-addr", K::kListenAddress,
     "plaintext health endpoint when mTLS is on"},
    {"GUBER_ADVERTISE_ADDRESS", "--advertise-addr", K::kPlain,
     "0.0.0.0 is rejected: give the address peers reach"},
    {"GUBER_INSTANCE_ID", "--instance-id", K::kPlain, ""},
    {"GUBER_CACHE_SIZE", "--cache-size", K::kPlain, ""},
    {"GUBER_WORKER_COUNT", "--workers --http-threads", K::kPlain, "0 = number of CPUs"},
    {"GUBER_DATA_CENTER", "--data-center", K::kPlain, ""},
    {"GUBER_GRPC_MAX_CONN_AGE_SEC", "--grpc-max-conn-age", K::kSeconds, ""},
    {"GUBER_GRACEFUL_TERMINATION_DELAY_SEC", "--graceful-termination-delay --shutdown-delay",
     K::kSeconds, ""},
    {"GUBER_LOG_LEVEL", "--log-level", K::kLogLevel, ""},
    {"GUBER_DEBUG", "--log-level", K::kDebug, "wins over GUBER_LOG_LEVEL"},
    {"GUBER_LOG_FORMAT", "--log-format", K::kPlain, ""},
    {"GUBER_PEER_DISCOVERY_TYPE", "--discovery", K::kDiscovery, ""},
    {"GUBER_BATCH_TIMEOUT", "--batch-timeout", K::kGoDuration, ""},
    {"GUBER_BATCH_WAIT", "--batch-wait", K::kGoDuration, ""},
    {"GUBER_BATCH_LIMIT", "--batch-limit", K::kPlain, ""},
    {"GUBER_DISABLE_BATCHING", "--disable-batching", K::kBool, ""},
    {"GUBER_GLOBAL_TIMEOUT", "--global-timeout", K::kGoDuration, ""},
    {"GUBER_GLOBAL_SYNC_WAIT", "--global-sync-wait", K::kGoDuration, ""},
    {"GUBER_GLOBAL_BATCH_LIMIT", "--global-batch-limit", K::kPlain, ""},
    {"GUBER_FORCE_GLOBAL", "--force-global", K::kBool, ""},
    {"GUBER_PEER_PICKER", "--peer-picker", K::kPlain, "only replicated-hash"},
    {"GUBER_PEER_PICKER_HASH", "--peer-picker-hash", K::kPlain,
     "fnv1 or fnv1a; unset: fnv1, or fnv1a when GUBER_PEER_PICKER is set"},
    {"GUBER_REPLICATED_HASH_REPLICAS", "--replicated-hash-replicas", K::kPlain, ""},
    {"GUBER_DNS_FQDN", "--dns-fqdn", K::kPlain, ""},
    {"GUBER_RESOLV_CONF", "--resolv-conf", K::kPlain, ""},
    {"GUBER_K8S_NAMESPACE", "--k8s-namespace", K::kPlain, ""},
    {"GUBER_K8S_SERVICE_NAME", "--k8s-service-name", K::kPlain, "endpointslices"},
    {"GUBER_K8S_POD_SELECTOR", "--k8s-selector", K::kPlain, "alias"},
    {"GUBER_K8S_ENDPOINTS_SELECTOR", "--k8s-selector", K::kPlain, "Gubernator's older name"},
    {"GUBER_K8S_SELECTOR", "--k8s-selector", K::kPlain, "wins over the two aliases"},
    {"GUBER_K8S_WATCH_MECHANISM", "--k8s-watch-mechanism", K::kPlain, ""},
    {"GUBER_K8S_POD_IP", "--k8s-pod-ip", K::kPlain, ""},
    {"GUBER_K8S_POD_PORT", "--k8s-pod-port", K::kPlain, ""},
    {"GUBER_ETCD_ENDPOINTS", "--etcd-endpoints", K::kPlain, ""},
    {"GUBER_ETCD_KEY_PREFIX", "--etcd-key-prefix", K::kPlain, ""},
    {"GUBER_ETCD_DIAL_TIMEOUT", "--etcd-dial-timeout --etcd-timeout", K::kGoDuration, ""},
    {"GUBER_ETCD_USER", "--etcd-user", K::kPlain, ""},
    {"GUBER_ETCD_PASSWORD", "--etcd-password", K::kPlain, ""},
    {"GUBER_ETCD_TLS_ENABLE", "--etcd-tls", K::kBool, ""},
    {"GUBER_ETCD_TLS_CA", "--etcd-tls-ca", K::kPlain, "turns etcd TLS on"},
    {"GUBER_ETCD_TLS_CERT", "--etcd-tls-cert", K::kPlain, "turns etcd TLS on"},
    {"GUBER_ETCD_TLS_KEY", "--etcd-tls-key", K::kPlain, "turns etcd TLS on"},
    {"GUBER_ETCD_TLS_SKIP_VERIFY", "--etcd-tls-skip-verify", K::kBool, "turns etcd TLS on"},
    {"GUBER_MEMBERLIST_KNOWN_NODES", "--mesh-seeds --peers", K::kPlain, "mesh seeds"},
    {"GUBER_MEMBERLIST_BIND_ADDRESS", "--mesh-addr", K::kListenAddress, ""},
    {"GUBER_MEMBERLIST_ADDRESS", "--mesh-advertise-addr", K::kPlain, ""},
    {"GUBER_MEMBERLIST_NODE_NAME", "--node-id", K::kPlain, ""},
    {"GUBER_TLS_CA", "--tls-ca --tls-ca-file", K::kPlain, ""},
    {"GUBER_TLS_CERT", "--tls-cert --tls-cert-file", K::kPlain, ""},
    {"GUBER_TLS_KEY", "--tls-key --tls-key-file", K::kPlain, ""},
    {"GUBER_TLS_AUTO", "--tls-auto", K::kBool, ""},
    {"GUBER_TLS_MIN_VERSION", "--tls-min-version", K::kPlain, ""},
    {"GUBER_TLS_CLIENT_AUTH", "--tls-client-auth", K::kPlain, ""},
    {"GUBER_TLS_CLIENT_AUTH_CA_CERT", "--tls-client-ca --tls-client-ca-file", K::kPlain, ""},
    {"GUBER_TLS_CLIENT_AUTH_CERT", "--tls-peer-cert --tls-client-cert", K::kPlain, ""},
    {"GUBER_TLS_CLIENT_AUTH_KEY", "--tls-peer-key --tls-client-key", K::kPlain, ""},
    {"GUBER_TLS_CLIENT_AUTH_SERVER_NAME", "--tls-peer-server-name --tls-server-name", K::kPlain,
     ""},
    {"GUBER_TLS_INSECURE_SKIP_VERIFY", "--tls-insecure-skip-verify", K::kBool, ""},
    {"GUBER_TRACING_LEVEL", "--tracing-level", K::kPlain, "ERROR, INFO or DEBUG"},
    // OpenTelemetry's standard variables, which Gubernator reads too.
    {"OTEL_EXPORTER_OTLP_ENDPOINT", "--otlp-endpoint", K::kPlain, "http:// only"},
    {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "--otlp-traces-endpoint", K::kPlain, ""},
    {"OTEL_SERVICE_NAME", "--trace-service-name", K::kPlain, ""},
    {"OTEL_TRACES_SAMPLER", "--trace-sampler", K::kPlain, ""},
    {"OTEL_TRACES_SAMPLER_ARG", "--trace-sampler-arg", K::kPlain, ""},
};

constexpr SettingAlias kFileAliases[] = {
    {"server.grpc_addr", "--addr", K::kPlain, "Hivemind"},
    {"server.grpc_port", "--addr", K::kPort, "Hivemind"},
    {"server.workers", "--http-threads", K::kPlain, "Gubernator's worker count"},
    {"rules.reload", "--no-rules-watch", K::kInvertedBool, ""},
    {"rate_limiting.config_path", "--config", K::kPlain, "Hivemind"},
    {"rate_limiting.local_cache_size", "--cache-size", K::kPlain, "Hivemind"},
    {"mesh.bootstrap_peers", "--mesh-seeds", K::kPlain,
     "Hivemind; used only with mesh.enabled: true (or --discovery mesh)"},
    {"mesh.bind_addr", "--mesh-addr", K::kPlain, "Hivemind"},
    {"mesh.gossip_interval_ms", "--gossip-interval", K::kMilliseconds, "Hivemind"},
    {"mesh.suspect_timeout_ms", "--mesh-suspicion-timeout", K::kMilliseconds, "Hivemind"},
};

constexpr std::string_view kIgnoredFileKeys[] = {
    "mesh.sync_interval_ms",
    "mesh.max_peers",
    "mesh.cache_ttl_ms",
    "mesh.health_check_interval_ms",
    "mesh.failed_timeout_ms",
    "rate_limiting.config_reload_interval",
    "rate_limiting.staleness_threshold_ms",
    "server.metrics_port",
    "server.admin_port",
    "observability.*",
};

constexpr std::string_view kDurationSuffixes[] = {"", "-ms", "-us", "-sec", "-seconds", "-s"};

bool IsDurationKind(ValueKind kind) {
  return kind == K::kGoDuration || kind == K::kMilliseconds || kind == K::kSeconds;
}

bool StartsWithWord(std::string_view name, std::string_view word) {
  return name == word || (name.size() > word.size() && name.substr(0, word.size()) == word &&
                          name[word.size()] == '-');
}

// A negated flag (declared "!--no-x" or "--no-x{false}"): passing it sets false.
bool IsNegatedFlag(const CLI::Option& option, const std::string& name) {
  return IsFlag(option) && option.check_fname(name) && option.get_flag_value(name, "") == "false";
}

// The canonical file key and kind of an option (see the header for the rules).
std::pair<std::string, ValueKind> DeriveFileKey(const CLI::Option& option) {
  std::string name = option.get_lnames().front();
  ValueKind kind = K::kPlain;
  for (const auto& [flag, key] : kCanonicalKeys) {
    if (name == flag) return {std::string(key), kind};
  }
  if (IsNegatedFlag(option, name) && absl::StartsWith(name, "no-")) {
    name = name.substr(3);
    kind = K::kInvertedBool;
  }
  std::string section;
  const std::string group = absl::AsciiStrToLower(option.get_group());
  for (std::string_view known : kSections) {
    if (group == known) section = group;
  }
  for (const auto& [word, word_section] : kSectionWords) {
    if (section.empty() && StartsWithWord(name, word)) section = word_section;
  }
  if (section.empty()) section = "server";
  std::string key = name;
  if (name == section) {
    key = "enabled";
  } else if (StartsWithWord(name, section)) {
    key = name.substr(section.size() + 1);
  }
  return {absl::StrCat(section, ".", absl::StrReplaceAll(key, {{"-", "_"}})), kind};
}

}  // namespace

std::span<const SettingAlias> GuberMappings() { return kGuberMappings; }
std::span<const SettingAlias> FileAliases() { return kFileAliases; }
std::span<const std::string_view> IgnoredFileKeys() { return kIgnoredFileKeys; }
std::span<const std::string_view> FileSections() { return kSections; }

bool IsFlag(const CLI::Option& option) { return option.get_items_expected_max() == 0; }

std::string SluiceVariableName(std::string_view long_name) {
  return absl::StrCat(
      "SLUICE_", absl::AsciiStrToUpper(absl::StrReplaceAll(std::string(long_name), {{"-", "_"}})));
}

std::string AllowedValues(const CLI::Option& option) {
  if (IsFlag(option)) return "true or false";
  const std::string type = option.get_type_name();
  const auto colon = type.find(':');
  if (colon != std::string::npos) return type.substr(colon + 1);  // the validators' description
  if (type == "INT") return "an integer";
  if (type == "UINT") return "a non-negative integer";
  if (type == "FLOAT") return "a number";
  if (type == "TEXT") return "text";
  return type;
}

SettingsCatalog::SettingsCatalog(CLI::App& app) : app_(app) {
  const CLI::Option* help = app.get_help_ptr();
  const CLI::Option* help_all = app.get_help_all_ptr();
  for (CLI::Option* option : app.get_options()) {
    if (option == help || option == help_all || option->get_group().empty() ||
        option->get_group() == kCommandGroup ||
        option->get_lnames().empty() || (IsFlag(*option) && option->check_lname("version"))) {
      continue;
    }
    options_.push_back(option);
    if (option->check_lname("settings")) continue;  // the file cannot name another file
    auto [key, kind] = DeriveFileKey(*option);
    canonical_keys_[option] = key;
    file_keys_.emplace(key, SettingTarget{option, "--" + option->get_lnames().front(), kind});
  }
  for (const SettingAlias& alias : kFileAliases) {
    if (file_keys_.contains(alias.name)) continue;
    if (auto target = Resolve(alias.flags, alias.kind)) file_keys_.emplace(alias.name, *target);
  }
}

std::optional<SettingTarget> SettingsCatalog::Resolve(std::string_view candidates,
                                                      ValueKind kind) const {
  for (auto candidate : absl::StrSplit(std::string(candidates), ' ', absl::SkipEmpty())) {
    for (std::string_view suffix : kDurationSuffixes) {
      if (!suffix.empty() && !IsDurationKind(kind)) break;
      const std::string flag = absl::StrCat(std::string(candidate), std::string(suffix));
      CLI::Option* option = app_.get_option_no_throw(flag);
      if (option != nullptr &&
          std::find(options_.begin(), options_.end(), option) != options_.end()) {
        return SettingTarget{option, flag, kind};
      }
    }
  }
  return std::nullopt;
}

std::optional<SettingTarget> SettingsCatalog::ForSluiceVariable(std::string_view variable) const {
  for (CLI::Option* option : options_) {
    for (const std::string& name : option->get_lnames()) {
      if (SluiceVariableName(name) == variable) return SettingTarget{option, "--" + name};
    }
  }
  return std::nullopt;
}

std::optional<SettingTarget> SettingsCatalog::ForGuberVariable(std::string_view variable) const {
  for (const SettingAlias& mapping : kGuberMappings) {
    if (mapping.name == variable) return Resolve(mapping.flags, mapping.kind);
  }
  return std::nullopt;
}

std::optional<SettingTarget> SettingsCatalog::ForFileKey(std::string_view key) const {
  auto it = file_keys_.find(key);
  if (it == file_keys_.end()) return std::nullopt;
  return it->second;
}

bool SettingsCatalog::IsIgnoredFileKey(std::string_view key) const {
  if (file_keys_.contains(key)) return false;
  const std::string_view section = key.substr(0, key.find('.'));
  for (std::string_view ignored : kIgnoredFileKeys) {
    if (ignored == key || ignored == absl::StrCat(std::string(section), ".*")) return true;
  }
  return false;
}

std::vector<std::string> SettingsCatalog::SluiceVariablesOf(const CLI::Option& option) const {
  std::vector<std::string> names;
  for (const std::string& name : option.get_lnames()) names.push_back(SluiceVariableName(name));
  return names;
}

std::vector<std::string> SettingsCatalog::GuberVariablesOf(const CLI::Option& option) const {
  std::vector<std::string> names;
  for (const SettingAlias& mapping : kGuberMappings) {
    auto target = Resolve(mapping.flags, mapping.kind);
    if (target && target->option == &option) names.emplace_back(mapping.name);
  }
  return names;
}

std::string SettingsCatalog::FileKeyOf(const CLI::Option& option) const {
  auto it = canonical_keys_.find(&option);
  return it == canonical_keys_.end() ? "" : it->second;
}

std::vector<std::string> SettingsCatalog::FileKeysIn(std::string_view section) const {
  std::vector<std::string> keys;
  const std::string prefix = absl::StrCat(std::string(section), ".");
  for (const auto& [key, target] : file_keys_) {
    if (absl::StartsWith(key, prefix)) keys.push_back(key);
  }
  return keys;  // std::map keeps them sorted
}

}  // namespace sluice::server
