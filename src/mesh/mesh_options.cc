#include "mesh/mesh_options.h"

#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/host_port.h"

namespace sluice::mesh {
namespace {

absl::Status CheckAddress(const char* setting, const std::string& address) {
  if (address.size() > kMaxAddressBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": '", address, "' is longer than ", kMaxAddressBytes, " bytes"));
  }
  auto hp = common::SplitHostPort(address);
  if (!hp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": ", std::string(hp.status().message())));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateOptions(const MeshOptions& o) {
  if (o.node_id.size() > kMaxNodeIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--node-id: longer than ", kMaxNodeIdBytes, " bytes"));
  }
  if (auto s = CheckAddress("--mesh-addr", o.bind_address); !s.ok()) return s;
  if (auto s = CheckAddress("--mesh-advertise-addr", o.advertise_address); !s.ok()) return s;
  auto advertise = common::SplitHostPort(o.advertise_address);
  if (common::IsWildcardHost(advertise->host)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mesh-advertise-addr: '", o.advertise_address,
                     "' cannot be advertised; give the address peers reach this node at"));
  }
  for (const auto& seed : o.seeds) {
    if (auto s = CheckAddress("--peers", seed); !s.ok()) return s;
  }
  if (o.cluster_id.empty() || o.cluster_id.size() > kMaxClusterIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mesh-cluster-id: must be 1 to ", kMaxClusterIdBytes, " bytes"));
  }
  if (o.grpc_address.size() > kMaxAddressBytes || o.http_address.size() > kMaxAddressBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--advertise-addr, --http-addr: mesh mode needs addresses of at most ",
                     kMaxAddressBytes, " bytes"));
  }
  if (!o.secret.empty() && o.secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mesh-secret-file: the key must be at least ", kMinSecretBytes, " bytes"));
  }
  if (o.gossip_interval_ms < 10 || o.gossip_interval_ms > 60'000) {
    return absl::InvalidArgumentError("--gossip-interval: must be between 10ms and 1m");
  }
  if (o.fanout < 1 || o.fanout > 64) {
    return absl::InvalidArgumentError("--gossip-fanout: must be between 1 and 64");
  }
  if (o.push_interval_ms < 0 || o.push_interval_ms > o.gossip_interval_ms) {
    return absl::InvalidArgumentError(
        "--gossip-push-interval: must be between 0 (off) and the gossip interval");
  }
  if (o.suspicion_timeout_ms < 2 * o.gossip_interval_ms) {
    return absl::InvalidArgumentError(
        "--mesh-suspicion-timeout: must be at least two gossip intervals");
  }
  if (o.gc_grace_ms < 0 || o.gc_grace_ms > 3'600'000) {
    return absl::InvalidArgumentError("--mesh-gc-grace: must be between 0 and 1h");
  }
  if (o.max_windows < 1) {
    return absl::InvalidArgumentError("mesh capacity must be at least 1 window");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("--mesh-secret-file: cannot read '", path, "'"));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string secret = bytes.str();
  while (!secret.empty() && absl::ascii_isspace(static_cast<unsigned char>(secret.back()))) {
    secret.pop_back();
  }
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--mesh-secret-file: '", path, "' holds fewer than ", kMinSecretBytes, " bytes"));
  }
  return secret;
}

std::string RandomNodeId() {
  std::random_device device;
  std::uniform_int_distribution<uint64_t> dist;
  uint64_t value = (static_cast<uint64_t>(device()) << 32) ^ device() ^ dist(device);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    id[i] = kHex[value & 0xf];
    value >>= 4;
  }
  return id;
}

}  // namespace sluice::mesh
