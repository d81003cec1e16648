#include "obs/sluice_metrics.h"

#include <utility>

namespace sluice::obs {
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

// Every reason the mesh drops a packet for (mesh/codec.cc DropReasonName, and "denied" for the
// test hook), so each series exists, at 0, from the first scrape: alerts need not wait for one.
constexpr std::string_view kGossipDropReasons[] = {
    "malformed", "auth",     "oversize",   "version",      "truncated", "bad_magic",
    "wrong_cluster", "checksum", "unverified", "members_full", "denied"};

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

Metrics::Metrics(Registry& registry, std::string_view version)
    : check_errors_(registry, "gubernator_check_error_counter",
                    "The number of errors while checking rate limits.", "error",
                    kGubernatorCheckErrors) {
  Registry& r = registry;

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
                                {{"door", door}, {"method", method}}, kLatencyBucketsSeconds);
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

  // Store.
  store_items =
      r.AddCallbackGauge("sluice_store_items", "Rate-limit keys held in the store.", {}, nullptr);
  constexpr std::string_view kLookups = "Store lookups, by result (hit or miss).";
  store_hits =
      r.AddCallbackCounter("sluice_store_lookups_total", kLookups, {{"result", "hit"}}, nullptr);
  store_misses =
      r.AddCallbackCounter("sluice_store_lookups_total", kLookups, {{"result", "miss"}}, nullptr);
  store_unexpired_evictions = r.AddCallbackCounter(
      "sluice_store_unexpired_evictions_total",
      "Keys evicted from the full store before they expired (capacity too small).", {}, nullptr);
  store_bytes = r.AddCallbackGauge(
      "sluice_store_bytes", "Bytes charged for the keys held in the store (--cache-max-bytes).",
      {}, nullptr);
  gubernator_cache_size = r.AddCallbackGauge("gubernator_cache_size",
                                             "The number of items in LRU Cache which holds the "
                                             "rate limits.",
                                             {}, nullptr);
  constexpr std::string_view kCacheAccess = "Cache access counts.";
  gubernator_cache_hits = r.AddCallbackCounter("gubernator_cache_access_count", kCacheAccess,
                                               {{"type", "hit"}}, nullptr);
  gubernator_cache_misses = r.AddCallbackCounter("gubernator_cache_access_count", kCacheAccess,
                                                 {{"type", "miss"}}, nullptr);
  gubernator_unexpired_evictions =
      r.AddCallbackCounter("gubernator_unexpired_evictions_count",
                           "Count the number of cache items which were "
                           "evicted while unexpired.",
                           {}, nullptr);

  // Gossip.
  constexpr std::string_view kPackets = "Mesh gossip packets, by direction (sent or received).";
  gossip_packets_sent =
      r.AddCallbackCounter("sluice_gossip_packets_total", kPackets, {{"direction", "sent"}}, nullptr);
  gossip_packets_received = r.AddCallbackCounter("sluice_gossip_packets_total", kPackets,
                                                 {{"direction", "received"}}, nullptr);
  constexpr std::string_view kBytes = "Mesh gossip payload bytes, by direction (sent or received).";
  gossip_bytes_sent =
      r.AddCallbackCounter("sluice_gossip_bytes_total", kBytes, {{"direction", "sent"}}, nullptr);
  gossip_bytes_received = r.AddCallbackCounter("sluice_gossip_bytes_total", kBytes,
                                               {{"direction", "received"}}, nullptr);
  for (std::string_view reason : kGossipDropReasons) {
    gossip_dropped[reason] = r.AddCallbackCounter(
        "sluice_gossip_dropped_packets_total",
        "Mesh gossip packets discarded, by reason (denied: the test hooks' deny list).",
        {{"reason", std::string(reason)}}, nullptr);
  }

  // Rules.
  constexpr std::string_view kReloads =
      "Envoy rule reloads, by result (success, or failure: the previous rules stay in force).";
  rules_reloads_success =
      r.AddCounter("sluice_rules_reloads_total", kReloads, {{"result", "success"}});
  rules_reloads_failure =
      r.AddCounter("sluice_rules_reloads_total", kReloads, {{"result", "failure"}});

  // Build.
  build_info = r.AddGauge("sluice_build_info", "Always 1; the label carries the Sluice version.",
                          {{"version", std::string(version)}});
  build_info->Set(1);
}

const RequestMetrics& Metrics::Request(Door door, std::string_view method) const {
  const auto& by_method = requests_[Index(door)];
  auto it = by_method.find(absl::string_view(method.data(), method.size()));
  if (it == by_method.end())
    it = by_method.find(absl::string_view(kUnknownMethod.data(), kUnknownMethod.size()));
  return it->second;
}

void Metrics::RecordGrpc(std::string_view method, bool ok, double seconds) const {
  RecordRequest(method == kMethodShouldRateLimit ? Door::kEnvoy : Door::kGrpc, method, ok, seconds);
}

void Metrics::RecordDecision(CallType call_type, Outcome outcome) const {
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

void Metrics::RecordOwnerCheck(bool over_limit) const {
  getratelimit_local_->Increment();
  if (over_limit) over_limit_->Increment();
}

void Metrics::RecordCheckError(std::string_view error) const {
  check_errors_.Get(error)->Increment();
}

void Metrics::RecordAdmission(bool key_too_long, bool out_of_range, bool clamped) const {
  if (key_too_long) rejected_key_too_long->Increment();
  if (out_of_range) rejected_out_of_range->Increment();
  if (clamped) created_at_clamped->Increment();
}

void Metrics::BindStore(std::function<StoreReading()> read) {
  auto bind = [&read](CallbackMetric* metric, uint64_t StoreReading::*field) {
    if (read) {
      metric->SetCallback([read, field] { return static_cast<double>(read().*field); });
    } else {
      metric->SetCallback(nullptr);
    }
  };
  bind(store_items, &StoreReading::items);
  bind(store_hits, &StoreReading::hits);
  bind(store_misses, &StoreReading::misses);
  bind(store_unexpired_evictions, &StoreReading::unexpired_evictions);
  bind(store_bytes, &StoreReading::bytes);
  bind(gubernator_cache_size, &StoreReading::items);
  bind(gubernator_cache_hits, &StoreReading::hits);
  bind(gubernator_cache_misses, &StoreReading::misses);
  bind(gubernator_unexpired_evictions, &StoreReading::unexpired_evictions);
}

void Metrics::BindGossip(std::function<GossipReading()> read) const {
  auto bind = [&read](CallbackMetric* metric, auto value) {
    if (read) {
      metric->SetCallback([read, value] { return static_cast<double>(value(read())); });
    } else {
      metric->SetCallback(nullptr);
    }
  };
  bind(gossip_packets_sent, [](const GossipReading& g) { return g.packets_sent; });
  bind(gossip_packets_received, [](const GossipReading& g) { return g.packets_received; });
  bind(gossip_bytes_sent, [](const GossipReading& g) { return g.bytes_sent; });
  bind(gossip_bytes_received, [](const GossipReading& g) { return g.bytes_received; });
  for (const auto& [reason, metric] : gossip_dropped) {
    bind(metric, [reason = reason](const GossipReading& g) {
      auto it = g.dropped.find(reason);
      return it == g.dropped.end() ? uint64_t{0} : it->second;
    });
  }
}

void Metrics::RecordRulesReload(bool ok) const {
  (ok ? rules_reloads_success : rules_reloads_failure)->Increment();
}

}  // namespace sluice::obs
