#include "cluster/polling_membership.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace sluice::cluster {

PollingMembership::PollingMembership(std::string name, std::string self_address,
                                     absl::Duration interval, bool first_round_inline,
                                     const MembershipMetrics* metrics)
    : name_(std::move(name)),
      self_address_(std::move(self_address)),
      interval_(interval),
      first_round_inline_(first_round_inline),
      metrics_(metrics) {}

PollingMembership::~PollingMembership() { Stop(); }

absl::Status PollingMembership::Start(PeersChangedCallback on_change) {
  if (absl::Status s = ValidateOptions(); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    if (started_ || stopping_) {
      return absl::FailedPreconditionError(
          absl::StrCat(name_, " membership already started or stopped"));
    }
    started_ = true;
  }
  Starting();
  {
    absl::MutexLock lock(&round_mu_);
    on_change_ = std::move(on_change);
  }
  if (first_round_inline_) RunRound().IgnoreError();  // a failure is logged; the loop retries
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void PollingMembership::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    if (!started_) return;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&round_mu_);  // waits out a round running on another thread
  on_change_ = nullptr;
  Leave();
}

void PollingMembership::Loop() {
  bool wait = first_round_inline_;
  while (true) {
    if (wait) {
      absl::MutexLock lock(&mu_);
      // Wakes early when Stop sets stopping_.
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
    }
    wait = true;
    RunRound().IgnoreError();
  }
}

absl::Status PollingMembership::RunRound() {
  absl::MutexLock round(&round_mu_);
  absl::StatusOr<std::vector<PeerInfo>> peers = Poll();
  if (peers.ok()) {
    std::sort(peers->begin(), peers->end(), [](const PeerInfo& a, const PeerInfo& b) {
      return a.grpc_address < b.grpc_address;
    });
    peers->erase(std::unique(peers->begin(), peers->end(),
                             [](const PeerInfo& a, const PeerInfo& b) {
                               return a.grpc_address == b.grpc_address;
                             }),
                 peers->end());
    MarkSelf(*peers, self_address_);
  }
  size_t kept = 0;
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    if (!peers.ok()) {
      kept = peers_.size();
    } else if (*peers != peers_) {
      changed = true;
      peers_ = *peers;
    }
  }
  if (metrics_) {
    (peers.ok() ? metrics_->polls_ok : metrics_->polls_failed)->Increment();
    if (changed) metrics_->changes->Increment();
  }
  if (!peers.ok()) {
    spdlog::warn("{} membership: {}; keeping the last {} peers", name_,
                 std::string(peers.status().message()), kept);
    return peers.status();
  }
  if (on_change_ && (!reported_ || *peers != last_reported_)) {
    spdlog::info("{} membership: {} peers", name_, peers->size());
    reported_ = true;
    last_reported_ = *peers;
    on_change_(*std::move(peers));
  }
  return absl::OkStatus();
}

std::vector<PeerInfo> PollingMembership::peers() const {
  absl::MutexLock lock(&mu_);
  return peers_;
}

}  // namespace sluice::cluster
