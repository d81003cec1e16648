#include "cluster/etcd_membership.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace sluice::cluster {
namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // addresses have no control characters
    out += c;
  }
  return out + "\"";
}

std::string StringField(const google::protobuf::Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it != s.fields().end() && it->second.has_string_value() ? it->second.string_value() : "";
}

}  // namespace

EtcdMembership::EtcdMembership(EtcdMembershipOptions options)
    : options_(std::move(options)), self_key_(options_.key_prefix + options_.self.grpc_address) {}

EtcdMembership::~EtcdMembership() { Stop(); }

std::string EtcdMembership::EncodePeer(const PeerInfo& peer) {
  std::string out = absl::StrCat("{\"grpc-address\":", Quote(peer.grpc_address));
  if (!peer.http_address.empty())
    absl::StrAppend(&out, ",\"http-address\":", Quote(peer.http_address));
  absl::StrAppend(&out, ",\"data-center\":", Quote(peer.data_center), "}");
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
  if (auto hp = SplitHostPort(options_.self.grpc_address); !hp.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd membership advertise address: ", std::string(hp.status().message())));
  }
  if (options_.lease_ttl < absl::Seconds(2)) {
    return absl::InvalidArgumentError("etcd lease TTL must be at least 2 s");
  }
  if (options_.poll_interval <= absl::ZeroDuration() || options_.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("etcd poll interval and timeout must be > 0");
  }
  return absl::OkStatus();
}

absl::Status EtcdMembership::Start(PeersChangedCallback on_change) {
  if (absl::Status s = ValidateOptions(); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stopping_) {
      return absl::FailedPreconditionError("etcd membership already started or stopped");
    }
    started_ = true;
  }
  client_ = std::make_unique<EtcdClient>(options_.endpoints, options_.timeout);
  {
    absl::MutexLock lock(&round_mu_);
    on_change_ = std::move(on_change);
  }
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void EtcdMembership::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    if (!started_) return;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&round_mu_);
  on_change_ = nullptr;
  if (lease_ != 0) {
    // Leave: others drop this node on their next poll instead of after the lease TTL.
    if (auto s = client_->Delete(self_key_); !s.ok()) {
      spdlog::warn("etcd membership: deleting {}: {}", self_key_, std::string(s.message()));
    }
    if (auto s = client_->RevokeLease(lease_); !s.ok()) {
      spdlog::warn("etcd membership: revoking lease: {}", std::string(s.message()));
    }
    lease_ = 0;
  }
}

void EtcdMembership::Loop() {
  while (true) {
    Round();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval)) return;
  }
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
  absl::MutexLock lock(&mu_);
  ++stats_.registrations;
}

void EtcdMembership::Round() {
  absl::MutexLock round(&round_mu_);
  if (lease_ == 0) {
    Register();
  } else if (absl::Now() >= next_keepalive_) {
    absl::StatusOr<int64_t> ttl = client_->KeepAlive(lease_);
    if (ttl.ok()) {
      next_keepalive_ = absl::Now() + options_.lease_ttl / 3;
      absl::MutexLock lock(&mu_);
      ++stats_.keepalives;
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
    spdlog::warn("etcd membership: listing {} failed: {}; keeping the last list",
                 options_.key_prefix, std::string(kvs.status().message()));
    absl::MutexLock lock(&mu_);
    ++stats_.polls;
    ++stats_.failed_polls;
    return;
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
  std::sort(peers.begin(), peers.end(),
            [](const PeerInfo& a, const PeerInfo& b) { return a.grpc_address < b.grpc_address; });
  peers.erase(std::unique(peers.begin(), peers.end(),
                          [](const PeerInfo& a, const PeerInfo& b) {
                            return a.grpc_address == b.grpc_address;
                          }),
              peers.end());
  MarkSelf(peers, options_.self.grpc_address);
  {
    absl::MutexLock lock(&mu_);
    ++stats_.polls;
    peers_ = peers;
  }
  if (on_change_ && (!reported_ || peers != last_reported_)) {
    spdlog::info("etcd membership: {} peers", peers.size());
    reported_ = true;
    last_reported_ = peers;
    {
      absl::MutexLock lock(&mu_);
      ++stats_.changes;
    }
    on_change_(std::move(peers));
  }
}

std::vector<PeerInfo> EtcdMembership::peers() const {
  absl::MutexLock lock(&mu_);
  return peers_;
}

EtcdMembershipStats EtcdMembership::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace sluice::cluster
