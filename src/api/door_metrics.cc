#include "api/door_metrics.h"

namespace sluice::api {
namespace {

// Every method with its own series: door, `method` label, Gubernator method ("" for none).
struct MethodRow {
  Door door;
  std::string_view method;
  std::string_view gubernator_method;
};

constexpr MethodRow kMethods[] = {
    {Door::kGrpc, kMethodGetRateLimits, kMethodGetRateLimits},
    {Door::kGrpc, kMethodHealthCheck, kMethodHealthCheck},
    {Door::kGrpc, kMethodLiveCheck, kMethodLiveCheck},
    {Door::kGrpc, kMethodGetPeerRateLimits, kMethodGetPeerRateLimits},
    {Door::kGrpc, kMethodUpdatePeerGlobals, kMethodUpdatePeerGlobals},
    {Door::kGrpc, kUnknownMethod, ""},
    {Door::kEnvoy, kMethodShouldRateLimit, kMethodShouldRateLimit},
    {Door::kEnvoy, kUnknownMethod, ""},
    {Door::kHttp, kHttpGetRateLimits, kMethodGetRateLimits},
    {Door::kHttp, kHttpHealthCheck, kMethodHealthCheck},
    {Door::kHttp, kHttpLiveCheck, kMethodLiveCheck},
    {Door::kHttp, kHttpMetrics, ""},
    {Door::kHttp, kHttpEnvoyJson, ""},
    {Door::kHttp, kUnknownMethod, ""},
};

// Gubernator's gubernator_check_error_counter{error} values (reference §5.1).
constexpr std::string_view kGubernatorCheckErrors[] = {
    "Invalid request",  "Request too large",          "Invalid algorithm",    "Item mismatch",
    "Timeout",          "Timeout forwarding to peer", "Error in GetPeer",     "Peer not connected",
    "during GetPeer()", "Error in tokenBucket",       "Error in leakyBucket",
};

constexpr size_t Index(auto enum_value) { return static_cast<size_t>(enum_value); }

}  // namespace

std::string_view DoorName(Door door) {
  switch (door) {
    case Door::kGrpc:
      return "grpc";
    case Door::kHttp:
      return "http";
    case Door::kEnvoy:
      return "envoy";
  }
  return "unknown";
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kUnderLimit:
      return "under_limit";
    case Outcome::kOverLimit:
      return "over_limit";
    case Outcome::kError:
      return "error";
    case Outcome::kShadow:
      return "shadow";
  }
  return "unknown";
}

void RequestMetrics::Record(bool ok, double seconds) const {
  (ok ? success : failed)->Increment();
  duration->Observe(seconds);
  if (gubernator_duration != nullptr) {
    (ok ? gubernator_success : gubernator_failed)->Increment();
    gubernator_duration->Observe(seconds);
  }
}

DoorMetrics::DoorMetrics(obs::Registry& registry)
    : check_errors_(registry, "gubernator_check_error_counter",
                    "The number of errors while checking rate limits.", "error",
                    kGubernatorCheckErrors) {
  obs::Registry& r = registry;

  // Requests.
  for (const MethodRow& row : kMethods) {
    const std::string door(DoorName(row.door));
    const std::string method(row.method);
    RequestMetrics& m = requests_[Index(row.door)][method];
    constexpr std::string_view kRequests =
        "Requests handled, by front door, method and status (success or failed).";
    m.success = r.AddCounter("sluice_requests_total", kRequests,
                             {{"door", door}, {"method", method}, {"status", "success"}});
    m.failed = r.AddCounter("sluice_requests_total", kRequests,
                            {{"door", door}, {"method", method}, {"status", "failed"}});
    m.duration = r.AddHistogram("sluice_request_duration_seconds",
                                "Request latency in seconds, by front door and method.",
                                {{"door", door}, {"method", method}}, obs::kLatencyBucketsSeconds);
    if (!row.gubernator_method.empty()) {
      const std::string guber_method(row.gubernator_method);
      constexpr std::string_view kGuberCounts = "The count of gRPC requests.";
      m.gubernator_success = r.AddCounter("gubernator_grpc_request_counts", kGuberCounts,
                                          {{"status", "success"}, {"method", guber_method}});
      m.gubernator_failed = r.AddCounter("gubernator_grpc_request_counts", kGuberCounts,
                                         {{"status", "failed"}, {"method", guber_method}});
      m.gubernator_duration =
          r.AddSummary("gubernator_grpc_request_duration",
                       "The timings of gRPC requests in seconds.", {{"method", guber_method}});
    }
  }

  // Decisions.
  for (size_t i = 0; i < kOutcomeCount; ++i) {
    decisions_[i] = r.AddCounter(
        "sluice_decisions_total",
        "Rate-limit checks evaluated on this node, by outcome (under_limit, over_limit, error, "
        "shadow = over the limit but allowed by a shadow-mode rule).",
        {{"outcome", std::string(OutcomeName(static_cast<Outcome>(i)))}});
  }
  constexpr std::string_view kGetRateLimit =
      "The count of getLocalRateLimit() calls (calltype=local: as owner; calltype=global: a "
      "GLOBAL key answered by a non-owner).";
  getratelimit_local_ =
      r.AddCounter("gubernator_getratelimit_counter", kGetRateLimit, {{"calltype", "local"}});
  getratelimit_global_ =
      r.AddCounter("gubernator_getratelimit_counter", kGetRateLimit, {{"calltype", "global"}});
  over_limit_ =
      r.AddCounter("gubernator_over_limit_counter", "The number of rate limits over the limit.");
  gubernator_concurrent_checks = r.AddGauge("gubernator_concurrent_checks_counter",
                                            "The number of concurrent GetRateLimits API calls.");
  constexpr std::string_view kRejected =
      "Rate-limit items rejected at the door, by reason (key_too_long: over --max-key-bytes; "
      "out_of_range: a value beyond +-2^53).";
  rejected_key_too_long = r.AddCounter("sluice_rejected_items_total", kRejected,
                                       {{"reason", "key_too_long"}});
  rejected_out_of_range = r.AddCounter("sluice_rejected_items_total", kRejected,
                                       {{"reason", "out_of_range"}});
  created_at_clamped = r.AddCounter(
      "sluice_created_at_clamped_total",
      "Rate-limit items whose created_at lay further than --max-clock-skew from the server's "
      "clock and was moved within it.");
}

const RequestMetrics& DoorMetrics::Request(Door door, std::string_view method) const {
  const auto& by_method = requests_[Index(door)];
  auto it = by_method.find(absl::string_view(method.data(), method.size()));
  if (it == by_method.end())
    it = by_method.find(absl::string_view(kUnknownMethod.data(), kUnknownMethod.size()));
  return it->second;
}

void DoorMetrics::RecordGrpc(std::string_view method, bool ok, double seconds) const {
  RecordRequest(method == kMethodShouldRateLimit ? Door::kEnvoy : Door::kGrpc, method, ok, seconds);
}

void DoorMetrics::RecordDecision(CallType call_type, Outcome outcome) const {
  decisions_[Index(outcome)]->Increment();
  switch (call_type) {
    case CallType::kLocal:
      RecordOwnerCheck(outcome == Outcome::kOverLimit);
      break;
    case CallType::kGlobal:
      getratelimit_global_->Increment();
      break;
    case CallType::kOutcomeOnly:
      break;
  }
}

void DoorMetrics::RecordOwnerCheck(bool over_limit) const {
  getratelimit_local_->Increment();
  if (over_limit) over_limit_->Increment();
}

void DoorMetrics::RecordCheckError(std::string_view error) const {
  check_errors_.Get(error)->Increment();
}

void DoorMetrics::RecordAdmission(bool key_too_long, bool out_of_range, bool clamped) const {
  if (key_too_long) rejected_key_too_long->Increment();
  if (out_of_range) rejected_out_of_range->Increment();
  if (clamped) created_at_clamped->Increment();
}

}  // namespace sluice::api
