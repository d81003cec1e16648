// FakePeerClient: an in-memory PeerClient for tests. It records what it is asked to send and
// answers as the test says: inline through `answer`, or later when the test calls
// CompleteForwards(). Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "cluster/peer_client.h"

namespace sluice::cluster {

class FakePeerClient final : public PeerClient {
 public:
  using Answer =
      std::function<absl::StatusOr<core::RateLimitResponse>(const core::RateLimitRequest&)>;

  explicit FakePeerClient(PeerInfo info) : info_(std::move(info)) {}

  // A factory handing out (and remembering) one fake per peer.
  struct Registry {
    std::vector<std::shared_ptr<FakePeerClient>> made;
    Answer answer;  // given to every fake made from now on (may be empty: hold forwards)
    std::shared_ptr<FakePeerClient> Find(const std::string& address) const {
      for (auto it = made.rbegin(); it != made.rend(); ++it) {
        if ((*it)->info().grpc_address == address) return *it;
      }
      return nullptr;
    }
    PeerClientFactory Factory() {
      return [this](const PeerInfo& peer) {
        auto fake = std::make_shared<FakePeerClient>(peer);
        fake->SetAnswer(answer);
        made.push_back(fake);
        return fake;
      };
    }
  };

  void SetAnswer(Answer answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  void SetSendStatus(absl::Status status) {
    absl::MutexLock lock(&mu_);
    send_status_ = std::move(status);
  }
  void AddError(std::string message, int64_t at) {
    absl::MutexLock lock(&mu_);
    errors_.emplace_back(std::move(message), at);
  }

  const PeerInfo& info() const override { return info_; }

  void Forward(core::RateLimitRequest request, ItemDone done) override {
    Answer answer;
    bool shut_down = false;
    {
      absl::MutexLock lock(&mu_);
      forwarded_.push_back(request);
      shut_down = shut_down_;
      if (!shut_down) {
        answer = answer_;
        if (!answer) {
          held_.push_back({std::move(request), std::move(done)});
          return;
        }
      }
    }
    if (shut_down) {
      std::move(done)(absl::CancelledError("fake client shut down"));
      return;
    }
    std::move(done)(answer(request));
  }

  // Answers every held forward with `answer`.
  void CompleteForwards(const Answer& answer) {
    std::vector<std::pair<core::RateLimitRequest, ItemDone>> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (auto& [request, done] : held) std::move(done)(answer(request));
  }

  void SendRateLimits(std::vector<core::RateLimitRequest> requests, BatchDone done) override {
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      sent_.push_back(requests);
      status = send_status_;
    }
    if (!status.ok()) {
      std::move(done)(status);
      return;
    }
    std::move(done)(std::vector<core::RateLimitResponse>(requests.size()));
  }

  void UpdatePeerGlobals(std::vector<GlobalUpdate> updates, StatusDone done) override {
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      updates_.push_back(std::move(updates));
      status = send_status_;
    }
    std::move(done)(status);
  }

  std::vector<std::string> ErrorsSince(int64_t since) const override {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (auto it = errors_.rbegin(); it != errors_.rend(); ++it) {
      if (it->second >= since) out.push_back(it->first);
    }
    return out;
  }

  void Shutdown() override {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
  }

  std::vector<core::RateLimitRequest> forwarded() const {
    absl::MutexLock lock(&mu_);
    return forwarded_;
  }
  std::vector<std::vector<core::RateLimitRequest>> sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  std::vector<std::vector<GlobalUpdate>> updates() const {
    absl::MutexLock lock(&mu_);
    return updates_;
  }
  bool shut_down() const {
    absl::MutexLock lock(&mu_);
    return shut_down_;
  }

 private:
  const PeerInfo info_;
  mutable absl::Mutex mu_;
  Answer answer_ ABSL_GUARDED_BY(mu_);
  absl::Status send_status_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, int64_t>> errors_ ABSL_GUARDED_BY(mu_);
  std::vector<core::RateLimitRequest> forwarded_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<core::RateLimitRequest, ItemDone>> held_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<core::RateLimitRequest>> sent_ ABSL_GUARDED_BY(mu_);
  std::vector<std::vector<GlobalUpdate>> updates_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sluice::cluster
