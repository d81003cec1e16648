// DoorMetrics: what the front doors count — requests per door and method, rate-limit decisions,
// admission at the door — registered on the Registry that /metrics renders. Every other
// component counts in its own struct (cluster/cluster_metrics.h, mesh/mesh_metrics.h,
// rules/rules_metrics.h, server/store_metrics.h, …); obs/ holds only the primitives.
//
// Construct one DoorMetrics per process over that Registry, hand it (by const reference) to
// the doors, and record through the Record* helpers (which keep the Sluice series and their
// Gubernator-compatible twins in step). Decisions are counted only by RecordDecision and, for
// the owner's half of a forwarded item, RecordOwnerCheck (called by cluster::PeerHandler
// through cluster::OwnerCheckRecorder). Two families of names are emitted:
// - `sluice_*`: Sluice's own, following Prometheus naming (units in the name, `_total` on
//   counters, labels for door/method/outcome).
// - `gubernator_*`: the names Gubernator v2 emits (reference/gubernator.md §5.1), so existing
//   dashboards, alerts and functional tests keep working after a drop-in migration.
//   Summaries carry `_sum` and `_count` only (no quantiles; see obs/summary.h).
//
// Cardinality is bounded: method labels come from a fixed table (an unknown method is
// recorded as "unknown"); the only label values taken from outside are check-error strings, on
// a rare error path.
//
// Thread safety: after construction every method may be called from any thread concurrently.
// Recording takes no lock and allocates nothing, except RecordCheckError when it meets an error
// string for the first time (it then registers a series under the Registry's mutex).
// Invariants: every pointer field is non-null and valid for the Registry's lifetime; the
// Registry must outlive this object.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "cluster/owner_check_recorder.h"
#include "obs/counter.h"
#include "obs/gauge.h"
#include "obs/histogram.h"
#include "obs/labeled_counters.h"
#include "obs/registry.h"
#include "obs/summary.h"

namespace sluice::api {

// Method names used as `method` label values. gRPC methods are full paths, as Gubernator uses.
inline constexpr std::string_view kMethodGetRateLimits = "/pb.gubernator.V1/GetRateLimits";
inline constexpr std::string_view kMethodHealthCheck = "/pb.gubernator.V1/HealthCheck";
inline constexpr std::string_view kMethodLiveCheck = "/pb.gubernator.V1/LiveCheck";
inline constexpr std::string_view kMethodGetPeerRateLimits =
    "/pb.gubernator.PeersV1/GetPeerRateLimits";
inline constexpr std::string_view kMethodUpdatePeerGlobals =
    "/pb.gubernator.PeersV1/UpdatePeerGlobals";
inline constexpr std::string_view kMethodShouldRateLimit =
    "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit";
inline constexpr std::string_view kHttpGetRateLimits = "/v1/GetRateLimits";
inline constexpr std::string_view kHttpHealthCheck = "/v1/HealthCheck";
inline constexpr std::string_view kHttpLiveCheck = "/v1/LiveCheck";
inline constexpr std::string_view kHttpMetrics = "/metrics";
inline constexpr std::string_view kHttpEnvoyJson = "/json";  // Envoy RLS as JSON over HTTP
// Label value for a method outside the table above.
inline constexpr std::string_view kUnknownMethod = "unknown";

// The front door a request came through (`door` label).
enum class Door { kGrpc, kHttp, kEnvoy };
inline constexpr size_t kDoorCount = 3;
std::string_view DoorName(Door door);  // "grpc", "http", "envoy"

// How one rate-limit check ended (`outcome` label). kShadow: over the limit but allowed
// because the rule is in shadow mode.
enum class Outcome { kUnderLimit, kOverLimit, kError, kShadow };
inline constexpr size_t kOutcomeCount = 4;
std::string_view OutcomeName(Outcome outcome);  // "under_limit", "over_limit", "error", "shadow"

// Where an answered item was evaluated, in Gubernator's terms (gubernator_getratelimit_counter).
enum class CallType {
  kLocal,   // by the key's owner (or locally in mesh mode): calltype="local"
  kGlobal,  // a GLOBAL key answered by a non-owner from its replica: calltype="global"
  // Counted in sluice_decisions_total only: forwarded to its owner (which counts the check, see
  // RecordOwnerCheck), rejected as invalid, or allowed by shadow mode.
  kOutcomeOnly,
};

// The series of one door and method, resolved once so that recording needs no lookup.
struct RequestMetrics {
  obs::Counter* success = nullptr;     // sluice_requests_total{door,method,status="success"}
  obs::Counter* failed = nullptr;      // sluice_requests_total{door,method,status="failed"}
  obs::Histogram* duration = nullptr;  // sluice_request_duration_seconds{door,method}
  // Gubernator twins, null where Gubernator has no such method (e.g. /metrics, "unknown").
  // HTTP gateway calls count under the gRPC method they map to, as Gubernator's gateway
  // proxies them through its gRPC server.
  obs::Counter* gubernator_success = nullptr;   // gubernator_grpc_request_counts{status="success"}
  obs::Counter* gubernator_failed = nullptr;    // gubernator_grpc_request_counts{status="failed"}
  obs::Summary* gubernator_duration = nullptr;  // gubernator_grpc_request_duration{method}

  // Counts one finished request and observes its latency.
  void Record(bool ok, double seconds) const;
};

class DoorMetrics final : public cluster::OwnerCheckRecorder {
 public:
  // Registers everything in `registry`, which must outlive this object.
  explicit DoorMetrics(obs::Registry& registry);
  DoorMetrics(const DoorMetrics&) = delete;
  DoorMetrics& operator=(const DoorMetrics&) = delete;

  // ---- Requests, per door and method -------------------------------------------------------
  // The series for `method` at `door`; the door's "unknown" series if the method is not in
  // the table above. The reference stays valid for this object's lifetime: cache it.
  const RequestMetrics& Request(Door door, std::string_view method) const;
  void RecordRequest(Door door, std::string_view method, bool ok, double seconds) const {
    Request(door, method).Record(ok, seconds);
  }
  // For a gRPC interceptor: the Envoy RLS method is recorded at Door::kEnvoy, every other
  // method at Door::kGrpc.
  void RecordGrpc(std::string_view method, bool ok, double seconds) const;

  // ---- Decisions: the one way they are counted -----------------------------------------------
  // An item a door answered: sluice_decisions_total{outcome}, gubernator_getratelimit_counter
  // {calltype} unless kOutcomeOnly and, for an owner's OVER_LIMIT, gubernator_over_limit_counter.
  void RecordDecision(CallType call_type, Outcome outcome) const;
  // The owner's half of a forwarded item (PeersV1): Gubernator counts it as calltype="local"
  // and its OVER_LIMIT in gubernator_over_limit_counter; the forwarder counts the outcome.
  void RecordOwnerCheck(bool over_limit) const override;
  // gubernator_check_error_counter{error}; `error` is one of Gubernator's strings, e.g.
  // "Invalid algorithm", "Timeout forwarding to peer", "Error in tokenBucket".
  void RecordCheckError(std::string_view error) const;

  // In-flight GetRateLimits calls: Increment() on entry, Decrement() on exit.
  obs::Gauge* gubernator_concurrent_checks;  // gubernator_concurrent_checks_counter

  // ---- Admission at the doors (core/admission.h) ---------------------------------------------
  // One item was checked: rejected for its key length or a value's range, or admitted with its
  // created_at clamped to --max-clock-skew.
  void RecordAdmission(bool key_too_long, bool out_of_range, bool clamped) const override;

  obs::Counter* rejected_key_too_long;  // sluice_rejected_items_total{reason="key_too_long"}
  obs::Counter* rejected_out_of_range;  // sluice_rejected_items_total{reason="out_of_range"}
  obs::Counter* created_at_clamped;     // sluice_created_at_clamped_total

 private:
  std::array<absl::flat_hash_map<std::string, RequestMetrics>, kDoorCount> requests_;
  // Decisions, bumped only by RecordDecision and RecordOwnerCheck.
  std::array<obs::Counter*, kOutcomeCount> decisions_{};  // sluice_decisions_total{outcome}
  obs::Counter* getratelimit_local_;   // gubernator_getratelimit_counter{calltype="local"}
  obs::Counter* getratelimit_global_;  // gubernator_getratelimit_counter{calltype="global"}
  obs::Counter* over_limit_;           // gubernator_over_limit_counter
  obs::LabeledCounters check_errors_;  // gubernator_check_error_counter{error}
};

}  // namespace sluice::api
