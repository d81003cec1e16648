// PollingMembership: the start/stop/poll loop shared by the membership sources that re-read
// their peers on a timer (DnsMembership, EtcdMembership). A subclass says how one poll reads the
// peers; this class runs the rounds, keeps the last good list and reports to on_change.
//
// A round calls Poll(); a good answer is sorted by grpc_address, deduplicated, marked with self
// (MarkSelf with `self_address`) and becomes the last good list; it is reported to on_change
// when it differs from the last one reported (the first good list always). A failed poll is
// logged and keeps the last good list: a flaky source never empties the ring.
//
// Threads: rounds run on the membership's own thread every `interval` — the first one inline in
// Start when `first_round_inline`, else at once on that thread. RunRound() may also be called
// by the owner (tests, DNS's ResolveOnce). Rounds, and so Poll, Leave and on_change, are
// serialized; after Stop() returns none runs. peers() from any thread.
//
// Counted in MembershipMetrics (cluster_metrics.h): each poll by result, and each change.
//
// Subclasses must call Stop() in their destructor, while their Poll can still run.
#pragma once

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "cluster/cluster_metrics.h"
#include "cluster/membership.h"

namespace sluice::cluster {

class PollingMembership : public Membership {
 public:
  ~PollingMembership() override;
  PollingMembership(const PollingMembership&) = delete;
  PollingMembership& operator=(const PollingMembership&) = delete;

  // InvalidArgument from ValidateOptions; FailedPrecondition if already started or stopped.
  absl::Status Start(PeersChangedCallback on_change) final;
  // Wakes and joins the loop without waiting out the interval (a round already running finishes
  // first), then calls Leave(). Idempotent.
  void Stop() final;

  // The last good list (empty until a poll succeeds).
  std::vector<PeerInfo> peers() const;

 protected:
  // `name` prefixes log lines ("dns" → "dns membership: …"). `metrics` (may be null) must
  // outlive this object.
  PollingMembership(std::string name, std::string self_address, absl::Duration interval,
                    bool first_round_inline, const MembershipMetrics* metrics);

  const MembershipMetrics* metrics() const { return metrics_; }

  // Runs one round now and returns its outcome: OK if the list was updated or unchanged,
  // otherwise why the last good list was kept. Reports to on_change only between Start and
  // Stop. Must not be called from on_change.
  absl::Status RunRound();

  // Checked by Start before anything runs.
  virtual absl::Status ValidateOptions() const = 0;
  // Called by Start after validation, before the first round.
  virtual void Starting() {}
  // Reads the peers; an error keeps the last good list. Runs under the round lock.
  virtual absl::StatusOr<std::vector<PeerInfo>> Poll() = 0;
  // Called once by Stop after the loop has ended (etcd: delete the key, revoke the lease).
  virtual void Leave() {}

 private:
  void Loop();

  const std::string name_;
  const std::string self_address_;
  const absl::Duration interval_;
  const bool first_round_inline_;
  const MembershipMetrics* const metrics_;

  // Serializes rounds, and with them on_change calls. Held while polling and calling on_change;
  // never acquired while holding mu_.
  absl::Mutex round_mu_;
  PeersChangedCallback on_change_ ABSL_GUARDED_BY(round_mu_);  // null before Start, after Stop
  std::vector<PeerInfo> last_reported_ ABSL_GUARDED_BY(round_mu_);
  bool reported_ ABSL_GUARDED_BY(round_mu_) = false;

  mutable absl::Mutex mu_;
  std::vector<PeerInfo> peers_ ABSL_GUARDED_BY(mu_);  // last good list
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;  // the loop; touched only by Start and Stop
};

}  // namespace sluice::cluster
