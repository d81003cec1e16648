#include "cluster/etcd_membership.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json_string.h"
#include "common/host_port.h"
#include "spdlog/spdlog.h"

namespace sluice::cluster {
namespace {

std::string StringField(const google::protobuf::Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it != s.fields().end() && it->second.has_string_value() ? it->second.string_value() : "";
}

}  // namespace

EtcdMembership::EtcdMembership(EtcdMembershipOptions options, const MembershipMetrics* metrics)
    : PollingMembership("etcd", options.self.grpc_address, options.poll_interval,
                        /*first_round_inline=*/false, metrics),
      options_(std::move(options)),
      self_key_(options_.key_prefix + options_.self.grpc_address) {}

EtcdMembership::~EtcdMembership() { Stop(); }

std::string EtcdMembership::EncodePeer(const PeerInfo& peer) {
  std::string out = absl::StrCat("{\"grpc-address\":", common::JsonString(peer.grpc_address));
  if (!peer.http_address.empty())
    absl::StrAppend(&out, ",\"http-address\":", common::JsonString(peer.http_address));
  absl::StrAppend(&out, ",\"data-center\":", common::JsonString(peer.data_center), "}");
  return out;
}

PeerInfo EtcdMembership::DecodePeer(const std::string& value) {
  google::protobuf::Struct json;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!absl::StartsWith(value, "{") ||
      !google::protobuf::util::JsonStringToMessage(value, &json, options).ok()) {
    return PeerInfo{.grpc_address = value};  // bare address (older Gubernator registrations)
  }
  return PeerInfo{.grpc_address = StringField(json, "grpc-address"),
                  .http_address = StringField(json, "http-address"),
                  .data_center = StringField(json, "data-center")};
}

absl::Status EtcdMembership::ValidateOptions() const {
  if (options_.endpoints.empty()) {
    return absl::InvalidArgumentError("etcd membership needs at least one endpoint");
  }
  if (auto hp = common::SplitHostPort(options_.self.grpc_address); !hp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd membership advertise address: ", std::string(hp.status().message())));
  }
  if (options_.lease_ttl < absl::Seconds(2)) {
    return absl::InvalidArgumentError("etcd lease TTL must be at least 2 s");
  }
  if (options_.poll_interval <= absl::ZeroDuration() || options_.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("etcd poll interval and timeout must be > 0");
  }
  if (options_.tls.cert_file.empty() != options_.tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--etcd-tls-cert and --etcd-tls-key (GUBER_ETCD_TLS_CERT, GUBER_ETCD_TLS_KEY) go together");
  }
  if (options_.user.empty() != options_.password.empty()) {
    return absl::InvalidArgumentError(
        "--etcd-user and --etcd-password (GUBER_ETCD_USER, GUBER_ETCD_PASSWORD) go together");
  }
  for (const std::string* file :
       {&options_.tls.ca_file, &options_.tls.cert_file, &options_.tls.key_file}) {
    if (!file->empty() && access(file->c_str(), R_OK) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          file == &options_.tls.ca_file    ? "--etcd-tls-ca"
          : file == &options_.tls.cert_file ? "--etcd-tls-cert"
                                            : "--etcd-tls-key",
          ": cannot read ", *file, ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

void EtcdMembership::Starting() {
  client_ = std::make_unique<EtcdClient>(EtcdClientOptions{.endpoints = options_.endpoints,
                                                            .timeout = options_.timeout,
                                                            .tls = options_.tls,
                                                            .user = options_.user,
                                                            .password = options_.password});
}

void EtcdMembership::Leave() {
  if (lease_ == 0) return;
  // Leave: others drop this node on their next poll instead of after the lease TTL.
  if (auto s = client_->Delete(self_key_); !s.ok()) {
    spdlog::warn("etcd membership: deleting {}: {}", self_key_, std::string(s.message()));
  }
  if (auto s = client_->RevokeLease(lease_); !s.ok()) {
    spdlog::warn("etcd membership: revoking lease: {}", std::string(s.message()));
  }
  lease_ = 0;
}

void EtcdMembership::Register() {
  const int64_t ttl = absl::ToInt64Seconds(options_.lease_ttl);
  absl::StatusOr<int64_t> lease = client_->GrantLease(ttl);
  if (!lease.ok()) {
    spdlog::warn("etcd membership: lease grant failed: {}", std::string(lease.status().message()));
    return;
  }
  if (auto s = client_->Put(self_key_, EncodePeer(options_.self), *lease); !s.ok()) {
    spdlog::warn("etcd membership: registering {} failed: {}", self_key_, std::string(s.message()));
    client_->RevokeLease(*lease).IgnoreError();
    return;
  }
  lease_ = *lease;
  next_keepalive_ = absl::Now() + options_.lease_ttl / 3;
  spdlog::info("etcd membership: registered {} (lease {:x}, TTL {} s)", self_key_, lease_, ttl);
  if (metrics()) metrics()->registrations->Increment();
}

absl::StatusOr<std::vector<PeerInfo>> EtcdMembership::Poll() {
  if (lease_ == 0) {
    Register();
  } else if (absl::Now() >= next_keepalive_) {
    absl::StatusOr<int64_t> ttl = client_->KeepAlive(lease_);
    if (ttl.ok()) {
      next_keepalive_ = absl::Now() + options_.lease_ttl / 3;
      if (metrics()) metrics()->keepalives->Increment();
    } else if (absl::IsNotFound(ttl.status())) {
      spdlog::warn("etcd membership: {}; registering again", std::string(ttl.status().message()));
      lease_ = 0;
      Register();
    } else {
      spdlog::warn("etcd membership: keep-alive failed: {}", std::string(ttl.status().message()));
    }
  }

  absl::StatusOr<std::vector<EtcdKeyValue>> kvs = client_->RangePrefix(options_.key_prefix);
  if (!kvs.ok()) {
    return absl::Status(kvs.status().code(), absl::StrCat("listing ", options_.key_prefix,
                                                          " failed: ", kvs.status().message()));
  }
  std::vector<PeerInfo> peers;
  bool self_found = false;
  for (const EtcdKeyValue& kv : *kvs) {
    if (kv.key == self_key_) self_found = true;
    PeerInfo peer = DecodePeer(kv.value);
    if (peer.grpc_address.empty()) continue;
    peers.push_back(std::move(peer));
  }
  if (lease_ != 0 && !self_found) {
    // The key vanished under a live lease (deleted by hand): write it again.
    spdlog::warn("etcd membership: {} disappeared; registering again", self_key_);
    client_->RevokeLease(lease_).IgnoreError();
    lease_ = 0;
    Register();
    if (lease_ != 0) peers.push_back(options_.self);
  }
  return peers;
}

}  // namespace sluice::cluster
