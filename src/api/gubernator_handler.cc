#include "api/gubernator_handler.h"

#include "api/decision_trace.h"

#include <string>
#include <utility>
#include <vector>

#include "cluster/peer_wire.h"

namespace sluice::api {

namespace {

// The per-item error, or empty when the item may be evaluated. Order matters: Gubernator
// checks unique_key before name.
std::string Validate(const pb::gubernator::RateLimitReq& req) {
  if (req.unique_key().empty()) return "field 'unique_key' cannot be empty";
  if (req.name().empty()) return "field 'namespace' cannot be empty";
  int algorithm = static_cast<int>(req.algorithm());
  if (algorithm != pb::gubernator::TOKEN_BUCKET && algorithm != pb::gubernator::LEAKY_BUCKET &&
      algorithm != pb::gubernator::SLIDING_WINDOW) {
    return "Error while apply rate limit for '" + req.name() + "_" + req.unique_key() +
           "': during workerPool.GetRateLimit: Invalid rate limit algorithm '" +
           std::to_string(algorithm) + "'";
  }
  return {};
}

}  // namespace

void GubernatorHandler::GetRateLimits(const pb::gubernator::GetRateLimitsReq& req,
                                      pb::gubernator::GetRateLimitsResp* resp, Done done,
                                      CallTrace* call_trace) {
  const int n = req.requests_size();
  if (n > kMaxBatchSize) {
    if (metrics_) metrics_->RecordCheckError("Request too large");
    std::move(done)(absl::OutOfRangeError(kBatchTooLarge));
    return;
  }
  const int64_t now = clock_.NowMillis();
  auto* responses = resp->mutable_responses();
  responses->Reserve(n);
  std::vector<core::RateLimitRequest> valid;
  std::vector<int> positions;
  valid.reserve(n);
  positions.reserve(n);
  for (int i = 0; i < n; ++i) {
    auto* item = responses->Add();
    const auto& in = req.requests(i);
    auto reject = [&](std::string error) {
      item->set_error(std::move(error));
      if (metrics_) {
        metrics_->RecordDecision(CallType::kOutcomeOnly, Outcome::kError);
        metrics_->RecordCheckError("Invalid request");
      }
    };
    if (std::string error = Validate(in); !error.empty()) {
      reject(std::move(error));
      continue;
    }
    core::RateLimitRequest r = cluster::FromProto(in);
    core::Admission admission = core::Admit(r, now, admission_);
    if (metrics_) {
      metrics_->RecordAdmission(admission.rejection == core::Admission::Rejection::kKeyTooLong,
                                admission.rejection == core::Admission::Rejection::kOutOfRange,
                                admission.clamped);
    }
    if (!admission.ok()) {
      reject(std::move(admission.error));
      continue;
    }
    valid.push_back(std::move(r));
    positions.push_back(i);
  }
  if (valid.empty()) {
    std::move(done)(absl::OkStatus());
    return;
  }
  if (metrics_) metrics_->gubernator_concurrent_checks->Increment();
  DecisionTrace trace;
  if (DecisionTrace::Enabled()) {
    for (const core::RateLimitRequest& r : valid) trace.Capture(r);
  }
  std::optional<trace::ScopedActiveContext> active;
  if (call_trace) call_trace->Route(valid, active);
  router_.Route(std::move(valid), now,
                [this, resp, positions = std::move(positions), trace = std::move(trace), call_trace,
                 done = std::move(done)](std::vector<cluster::RoutedResponse> results) mutable {
                  if (call_trace) call_trace->Routed(results);
                  if (!trace.empty()) trace.Log("gubernator", results);
                  for (size_t i = 0; i < results.size() && i < positions.size(); ++i) {
                    auto* item = resp->mutable_responses(positions[i]);
                    cluster::ToProto(results[i].response, item);
                    if (!results[i].owner.empty()) {
                      (*item->mutable_metadata())["owner"] = results[i].owner;
                    }
                    Record(results[i]);
                  }
                  if (metrics_) metrics_->gubernator_concurrent_checks->Decrement();
                  std::move(done)(absl::OkStatus());
                });
}

void FinishCallTrace(CallTrace& trace, const pb::gubernator::GetRateLimitsResp& resp,
                     const absl::Status& status) {
  if (!trace.recording()) return;
  size_t errors = 0;
  for (const auto& item : resp.responses()) errors += item.error().empty() ? 0 : 1;
  trace.Finish(resp.responses_size(), errors, status);
}

void GubernatorHandler::Record(const cluster::RoutedResponse& routed) const {
  if (!metrics_) return;
  const auto& r = routed.response;
  Outcome outcome = !r.error.empty()                       ? Outcome::kError
                         : r.status == core::Status::kOverLimit ? Outcome::kOverLimit
                                                                : Outcome::kUnderLimit;
  if (routed.owner.empty()) {
    metrics_->RecordDecision(CallType::kLocal, outcome);  // this node owns the key
  } else if (routed.from_replica) {
    metrics_->RecordDecision(CallType::kGlobal, outcome);  // a GLOBAL key's replica here
  } else {
    // Decided by the owner, which counts it in gubernator_getratelimit_counter itself.
    metrics_->RecordDecision(CallType::kOutcomeOnly, outcome);
  }
}

absl::Status GubernatorHandler::HealthCheck(pb::gubernator::HealthCheckResp* resp) const {
  FillHealthCheckResp(health_.Report(clock_.NowMillis()), resp);
  if (resp->status() != "healthy") return absl::UnavailableError(resp->message());
  return absl::OkStatus();
}

absl::Status GubernatorHandler::LiveCheck() const {
  if (shutting_down_.load(std::memory_order_relaxed)) {
    return absl::UnavailableError("server is shutting down");
  }
  return absl::OkStatus();
}

}  // namespace sluice::api
