// EnvoyHandler: the Envoy RLS v3 door's logic (reference/envoy_rls.md §1.8, §3.3–3.5), shared by
// gRPC ShouldRateLimit and HTTP POST /json.
//
// The policy — which limit each descriptor gets, its counter key and hits, `replaces` — is
// rules::ResolveLimits (rules/resolve_limits.h), a pure function; this door translates the wire
// message into it, routes every resolved limit as one core request (so cluster and mesh modes
// apply to Envoy traffic too), and turns the decisions into the answer: one status per
// descriptor, in order, each limited one carrying current_limit (with name), limit_remaining and
// duration_until_reset.
//
// Thread safety: any thread, concurrently. `done` may run on another thread; it must not block.
#pragma once

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "api/call_trace.h"
#include "api/envoy_answer.h"
#include "cluster/router.h"
#include "core/admission.h"
#include "core/clock.h"
#include "envoy/service/ratelimit/v3/rls.pb.h"
#include "api/door_metrics.h"
#include "rules/rule_store.h"

namespace sluice::api {

struct EnvoyOptions {
  // Global shadow switch: an OVER_LIMIT overall answer becomes OK (statuses keep OVER_LIMIT).
  // Default: false.
  bool shadow_mode = false;
  // Add RateLimit-Limit/-Remaining/-Reset to response_headers_to_add. Default: false.
  bool rate_limit_headers = false;
  // Route Envoy counters with Gubernator's GLOBAL behavior in cluster mode. Default: false.
  bool global = false;
  // Counter keys longer than admission.max_key_bytes are INVALID_ARGUMENT (the rest of the
  // options concern Gubernator requests). Default: see core::AdmissionOptions.
  core::AdmissionOptions admission;
};

class EnvoyHandler {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // Each call reads `rules` once (RuleStore::Pinned) and writes everything it needs from the
  // snapshot into the answer before routing, so a reload during a cluster round trip is safe.
  EnvoyHandler(cluster::Router& router, const core::Clock& clock, const rules::RuleStore& rules,
               EnvoyOptions options, const DoorMetrics* metrics = nullptr)
      : router_(router), clock_(clock), rules_(rules), options_(options), metrics_(metrics) {}

  // Fills `answer` (alive until `done`) and calls `done` once: OK, INVALID_ARGUMENT for an empty
  // domain, no descriptors, an empty entry key or a counter key over max_key_bytes, UNAVAILABLE when a counter could not be read
  // (so Envoy's failure_mode_deny applies).
  // `trace` (may be null; alive until `done`) gets the rules-lookup and routing spans.
  void ShouldRateLimit(const envoy::service::ratelimit::v3::RateLimitRequest& req,
                       EnvoyAnswer* answer, Done done, CallTrace* trace = nullptr);

  // The same answer as the generated message (ToProto), for HTTP /json and tests.
  void ShouldRateLimit(const envoy::service::ratelimit::v3::RateLimitRequest& req,
                       envoy::service::ratelimit::v3::RateLimitResponse* resp, Done done,
                       CallTrace* trace = nullptr);

 private:
  cluster::Router& router_;
  const core::Clock& clock_;
  const rules::RuleStore& rules_;
  EnvoyOptions options_;
  const DoorMetrics* metrics_;
};

}  // namespace sluice::api
