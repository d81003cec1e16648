// GubernatorHandler: the Gubernator V1 door's logic, shared by the gRPC service and the HTTP
// gateway so both answer identically (reference/gubernator.md §2.1).
//
// It validates each item (unique_key, then name; algorithm; then core/admission.h: key length,
// value ranges), stamps or clamps created_at against the server clock read once per call, hands the valid items to the Router and writes the index-aligned
// answers, `owner` metadata included. Over-limit is an answer; a bad item gets its own error
// and the rest of the batch is still served.
//
// Thread safety: every method may be called from any thread concurrently. `done` callbacks run
// on the calling thread or on a peer-client thread; they must not block.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "api/call_trace.h"
#include "api/health.h"
#include "cluster/router.h"
#include "core/admission.h"
#include "core/clock.h"
#include "gubernator.pb.h"
#include "api/door_metrics.h"

namespace sluice::api {

inline constexpr int kMaxBatchSize = 1000;
inline constexpr char kBatchTooLarge[] = "Requests.RateLimits list too large; max size is '1000'";

// Ends `trace`'s door span with the answer's item and error counts.
void FinishCallTrace(CallTrace& trace, const pb::gubernator::GetRateLimitsResp& resp,
                     const absl::Status& status);

class GubernatorHandler {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // `metrics` may be null (no recording).
  GubernatorHandler(cluster::Router& router, const core::Clock& clock,
                    const cluster::HealthSource& health, const DoorMetrics* metrics = nullptr,
                    core::AdmissionOptions admission = {})
      : router_(router), clock_(clock), health_(health), metrics_(metrics),
        admission_(admission) {}

  // Fills `resp` (owned by the caller, alive until `done`) and then calls `done` once with OK,
  // or with OUT_OF_RANGE for batches over 1000 items (then `resp` is untouched). `trace` (may be
  // null; alive until `done`) gets the routing spans.
  void GetRateLimits(const pb::gubernator::GetRateLimitsReq& req,
                     pb::gubernator::GetRateLimitsResp* resp, Done done,
                     CallTrace* trace = nullptr);

  // OK with the health in `resp`, or UNAVAILABLE carrying the unhealthy message.
  absl::Status HealthCheck(pb::gubernator::HealthCheckResp* resp) const;

  // OK, or UNAVAILABLE "server is shutting down" once SetShuttingDown() was called.
  absl::Status LiveCheck() const;
  void SetShuttingDown() { shutting_down_.store(true, std::memory_order_relaxed); }

 private:
  void Record(const cluster::RoutedResponse& routed) const;

  cluster::Router& router_;
  const core::Clock& clock_;
  const cluster::HealthSource& health_;
  const DoorMetrics* metrics_;
  const core::AdmissionOptions admission_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace sluice::api
