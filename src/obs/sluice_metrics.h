// Metrics: the doors' metrics — requests per door and method, decisions, admission — with the
// store and gossip readings, rules reloads and build info, registered once per process. The
// cluster's components count in their own structs (cluster/cluster_metrics.h), tracing and
// persistence in theirs; all of them on the one Registry that /metrics renders.
//
// Construct one Metrics per process over that Registry, hand it (by const reference) to
// whatever records, and record either through the Record* helpers (which keep the Sluice series
// and their Gubernator-compatible twins in step) or by bumping a field directly. Decisions are
// the exception: only RecordDecision and RecordOwnerCheck count them. Two families of names are
// emitted:
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
// Thread safety: after construction every method may be called from any thread concurrently
// (BindStore, the one non-const method, included).
// Recording takes no lock and allocates nothing, except RecordCheckError when it meets an error
// string for the first time (it then registers a series under the Registry's mutex).
// Invariants: every pointer field is non-null and valid for the Registry's lifetime; the
// Registry must outlive this object.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "obs/callback_metric.h"
#include "obs/counter.h"
#include "obs/gauge.h"
#include "obs/histogram.h"
#include "obs/labeled_counters.h"
#include "obs/registry.h"
#include "obs/summary.h"

namespace sluice::obs {

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

// The store's own totals, read at scrape time (core::Store::Stats() has all four).
struct StoreReading {
  uint64_t items = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t unexpired_evictions = 0;
  uint64_t bytes = 0;  // bytes charged for the items (--cache-max-bytes bounds them)
};

// The mesh's own packet totals, read at scrape time (the mesh keeps them for /v1/mesh/stats
// too), so each packet is counted once.
struct GossipReading {
  uint64_t packets_sent = 0;
  uint64_t packets_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  // Packets discarded, by reason name ("auth", "wrong_cluster", …; mesh/codec.h DropReasonName,
  // and "denied" for the test hook's deny list). Reasons not present read 0.
  absl::flat_hash_map<std::string_view, uint64_t> dropped;
};

// The series of one door and method, resolved once so that recording needs no lookup.
struct RequestMetrics {
  Counter* success = nullptr;     // sluice_requests_total{door,method,status="success"}
  Counter* failed = nullptr;      // sluice_requests_total{door,method,status="failed"}
  Histogram* duration = nullptr;  // sluice_request_duration_seconds{door,method}
  // Gubernator twins, null where Gubernator has no such method (e.g. /metrics, "unknown").
  // HTTP gateway calls count under the gRPC method they map to, as Gubernator's gateway
  // proxies them through its gRPC server.
  Counter* gubernator_success = nullptr;   // gubernator_grpc_request_counts{status="success"}
  Counter* gubernator_failed = nullptr;    // gubernator_grpc_request_counts{status="failed"}
  Summary* gubernator_duration = nullptr;  // gubernator_grpc_request_duration{method}

  // Counts one finished request and observes its latency.
  void Record(bool ok, double seconds) const;
};

struct Metrics {
  // Registers everything in `registry`, which must outlive this object. `version` becomes the
  // label of sluice_build_info.
  Metrics(Registry& registry, std::string_view version);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

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
  void RecordOwnerCheck(bool over_limit) const;
  // gubernator_check_error_counter{error}; `error` is one of Gubernator's strings, e.g.
  // "Invalid algorithm", "Timeout forwarding to peer", "Error in tokenBucket".
  void RecordCheckError(std::string_view error) const;

  // In-flight GetRateLimits calls: Increment() on entry, Decrement() on exit.
  Gauge* gubernator_concurrent_checks;  // gubernator_concurrent_checks_counter

  // ---- Admission at the doors (core/admission.h) ---------------------------------------------
  // One item was checked: rejected for its key length or a value's range, or admitted with its
  // created_at clamped to --max-clock-skew.
  void RecordAdmission(bool key_too_long, bool out_of_range, bool clamped) const;

  Counter* rejected_key_too_long;  // sluice_rejected_items_total{reason="key_too_long"}
  Counter* rejected_out_of_range;  // sluice_rejected_items_total{reason="out_of_range"}
  Counter* created_at_clamped;     // sluice_created_at_clamped_total

  // ---- Store (callbacks read at scrape time) -------------------------------------------------
  // Binds every store series to `read` (nullptr unbinds; unbound series read 0). Once this
  // returns, the previous function is no longer running and will not run again.
  void BindStore(std::function<StoreReading()> read);

  CallbackGauge* store_items;                       // sluice_store_items
  CallbackCounter* store_hits;                      // sluice_store_lookups_total{result="hit"}
  CallbackCounter* store_misses;                    // sluice_store_lookups_total{result="miss"}
  CallbackCounter* store_unexpired_evictions;       // sluice_store_unexpired_evictions_total
  CallbackGauge* store_bytes;                       // sluice_store_bytes
  CallbackGauge* gubernator_cache_size;             // gubernator_cache_size
  CallbackCounter* gubernator_cache_hits;           // gubernator_cache_access_count{type="hit"}
  CallbackCounter* gubernator_cache_misses;         // gubernator_cache_access_count{type="miss"}
  CallbackCounter* gubernator_unexpired_evictions;  // gubernator_unexpired_evictions_count

  // ---- Mesh gossip
  // -------------------------------------------------------------------------------
  // Binds every gossip series to `read` (nullptr unbinds; unbound series read 0), as BindStore.
  // The mesh binds its totals while it runs. `read` must be cheap (it runs once per series per
  // scrape) and must not block.
  void BindGossip(std::function<GossipReading()> read) const;

  CallbackCounter* gossip_packets_sent;      // sluice_gossip_packets_total{direction="sent"}
  CallbackCounter* gossip_packets_received;  // sluice_gossip_packets_total{direction="received"}
  CallbackCounter* gossip_bytes_sent;        // sluice_gossip_bytes_total{direction="sent"}
  CallbackCounter* gossip_bytes_received;    // sluice_gossip_bytes_total{direction="received"}
  // sluice_gossip_dropped_packets_total{reason}, one per reason the mesh can drop for.
  absl::flat_hash_map<std::string_view, CallbackCounter*> gossip_dropped;

  // ---- Rules
  // -------------------------------------------------------------------------------------
  void RecordRulesReload(bool ok) const;

  Counter* rules_reloads_success;  // sluice_rules_reloads_total{result="success"}
  Counter* rules_reloads_failure;  // sluice_rules_reloads_total{result="failure"}

  // ---- Build
  // -------------------------------------------------------------------------------------
  Gauge* build_info;  // sluice_build_info{version} = 1

 private:
  std::array<absl::flat_hash_map<std::string, RequestMetrics>, kDoorCount> requests_;
  // Decisions, bumped only by RecordDecision and RecordOwnerCheck.
  std::array<Counter*, kOutcomeCount> decisions_{};  // sluice_decisions_total{outcome}
  Counter* getratelimit_local_;   // gubernator_getratelimit_counter{calltype="local"}
  Counter* getratelimit_global_;  // gubernator_getratelimit_counter{calltype="global"}
  Counter* over_limit_;           // gubernator_over_limit_counter
  LabeledCounters check_errors_;  // gubernator_check_error_counter{error}
};

}  // namespace sluice::obs
