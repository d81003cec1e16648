#include "server/mode_settings.h"

#include <optional>
#include "absl/strings/string_view.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sluice::server {
namespace {

// What a setting belongs to, by its flag name. Prefixes rather than a list, so a setting added
// to a backend later (--etcd-user, --k8s-namespace) is covered without touching this file.
enum class Group { kNone, kDiscovery, kStatic, kDns, kEtcd, kK8s, kForwarding, kGlobal, kGossip };

Group Classify(absl::string_view flag) {
  if (flag == "--discovery") return Group::kDiscovery;
  if (flag == "--peers") return Group::kStatic;
  if (absl::StartsWith(flag, "--dns-")) return Group::kDns;
  if (absl::StartsWith(flag, "--etcd-")) return Group::kEtcd;
  if (absl::StartsWith(flag, "--k8s-")) return Group::kK8s;
  if (absl::StartsWith(flag, "--batch-") || absl::StartsWith(flag, "--tls-peer-") ||
      flag == "--disable-batching" || flag == "--fail-open" || flag == "--on-peer-failure" ||
      flag == "--peer-error-window" ||
      flag == "--data-center") {
    return Group::kForwarding;
  }
  if (absl::StartsWith(flag, "--global-") || flag == "--force-global") return Group::kGlobal;
  if (absl::StartsWith(flag, "--mesh-") || absl::StartsWith(flag, "--gossip-") ||
      flag == "--node-id") {
    return Group::kGossip;
  }
  return Group::kNone;
}

// The group of settings a --discovery value uses.
Group GroupOf(Discovery discovery) {
  switch (discovery) {
    case Discovery::kDns:
      return Group::kDns;
    case Discovery::kEtcd:
      return Group::kEtcd;
    case Discovery::kK8s:
      return Group::kK8s;
    case Discovery::kMesh:
      return Group::kGossip;
    case Discovery::kStatic:
      break;
  }
  return Group::kStatic;
}

absl::string_view BackendName(Group group) {
  switch (group) {
    case Group::kDns:
      return "dns";
    case Group::kEtcd:
      return "etcd";
    case Group::kK8s:
      return "k8s";
    case Group::kGossip:
      return "mesh";
    default:
      return "static";
  }
}

class Settings {
 public:
  Settings(const Config& config, const std::map<std::string, std::string>& sources)
      : config_(config), sources_(sources) {}

  // "--peers (file a.yaml:3 (mesh.bootstrap_peers))"; --discovery with its value.
  std::string Named(const std::string& flag) const {
    auto it = sources_.find(flag);
    const std::string source = it == sources_.end() ? "default" : it->second;
    if (flag == "--discovery") {
      return absl::StrCat(flag, " ", std::string(DiscoveryName(config_.cluster.discovery)), " (",
                          source, ")");
    }
    return absl::StrCat(flag, " (", source, ")");
  }
  bool Given(const std::string& flag) const { return sources_.contains(flag); }

  absl::Status Contradiction(const std::string& a, const std::string& b,
                             absl::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Named(a), " and ", Named(b), " contradict each other: ", why));
  }

 private:
  const Config& config_;
  const std::map<std::string, std::string>& sources_;
};

absl::Status CheckMesh(const Config& config, const Settings& s,
                       const std::map<std::string, std::string>& sources) {
  for (const auto& [flag, source] : sources) {
    switch (Classify(flag)) {
      case Group::kDiscovery:
        if (GroupOf(config.cluster.discovery) == Group::kStatic) break;  // listed peers: the seeds
        return s.Contradiction(
            "--mesh", flag,
            "mesh mode finds its peers by gossip and decides every request locally; "
            "--discovery picks the membership of a consistent-hash cluster (for a cluster "
            "whose membership comes from gossip, use --discovery mesh without --mesh)");
      case Group::kDns:
      case Group::kEtcd:
      case Group::kK8s:
        return s.Contradiction(
            "--mesh", flag,
            absl::StrCat(BackendName(Classify(flag)),
                         " discovery settings have no effect in mesh mode, which finds its "
                         "peers by gossip (--peers or --mesh-seeds name the seeds)"));
      case Group::kForwarding:
        return s.Contradiction("--mesh", flag,
                               "mesh nodes decide every request locally and forward nothing "
                               "to an owner, so forwarding settings have no effect");
      case Group::kGlobal:
        return s.Contradiction("--mesh", flag,
                               "GLOBAL is a consistent-hash cluster setting; in mesh mode every "
                               "limit is shared by gossip already");
      default:
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ResolveMode(Config& config, const std::map<std::string, std::string>& sources,
                         std::vector<std::string>& warnings) {
  const Settings s(config, sources);
  const bool gossip = config.gossip();
  if (config.mesh.enabled) {
    if (auto status = CheckMesh(config, s, sources); !status.ok()) return status;
  } else {
    const Group active = GroupOf(config.cluster.discovery);
    for (const auto& [flag, source] : sources) {
      const Group group = Classify(flag);
      if (group == Group::kStatic && active != Group::kStatic && !gossip) {
        return s.Contradiction(
            "--discovery", flag,
            absl::StrCat("static peers are not used with ",
                         std::string(DiscoveryName(config.cluster.discovery)),
                         " discovery; give one way of finding peers"));
      }
      if ((group == Group::kDns || group == Group::kEtcd || group == Group::kK8s) &&
          group != active) {
        return s.Contradiction("--discovery", flag,
                               absl::StrCat("the second is a setting of ", BackendName(group),
                                            " discovery, which is not the one on"));
      }
      if (group == Group::kGossip && !gossip) {
        if (absl::StartsWith(source, "file ")) {
          // Hivemind's config.yaml: a mesh section without `enabled: true` is a mesh that is off.
          warnings.push_back(absl::StrCat(
              source, ": ignored: mesh mode is off (mesh.enabled is not true and --discovery is "
                      "not mesh), so this node does not gossip"));
          if (flag == "--mesh-seeds") config.mesh.gossip.seeds.clear();
          continue;
        }
        return absl::InvalidArgumentError(absl::StrCat(
            s.Named(flag),
            " is a mesh setting, but neither --mesh nor --discovery mesh is on; add --mesh for "
            "mesh mode, or remove it"));
      }
    }
  }
  if (gossip) {
    if (s.Given("--peers") && s.Given("--mesh-seeds")) {
      return s.Contradiction("--peers", "--mesh-seeds",
                             "both name the gossip seeds; give one of them");
    }
    if (config.mesh.gossip.seeds.empty()) config.mesh.gossip.seeds = config.cluster.peers;
  }
  return absl::OkStatus();
}

}  // namespace sluice::server
