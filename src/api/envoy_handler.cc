#include "api/envoy_handler.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "absl/container/fixed_array.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "api/decision_trace.h"
#include "rules/counter_key.h"
#include "rules/replaces.h"

namespace sluice::api {
namespace {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;
using ResponseUnit = RateLimitResponse::RateLimit::Unit;
using envoy::extensions::common::ratelimit::v3::RateLimitDescriptor;

constexpr uint32_t kUnlimitedRemaining = std::numeric_limits<uint32_t>::max();

ResponseUnit ToResponseUnit(rules::Unit unit) {
  switch (unit) {
    case rules::Unit::kSecond: return RateLimitResponse::RateLimit::SECOND;
    case rules::Unit::kMinute: return RateLimitResponse::RateLimit::MINUTE;
    case rules::Unit::kHour: return RateLimitResponse::RateLimit::HOUR;
    case rules::Unit::kDay: return RateLimitResponse::RateLimit::DAY;
    case rules::Unit::kWeek: return RateLimitResponse::RateLimit::WEEK;
    case rules::Unit::kMonth: return RateLimitResponse::RateLimit::MONTH;
    case rules::Unit::kYear: return RateLimitResponse::RateLimit::YEAR;
  }
  return RateLimitResponse::RateLimit::UNKNOWN;
}

// envoy.type.v3.RateLimitUnit of an override; WEEK (7) is accepted too (proto3 enums are open).
std::optional<rules::Unit> FromOverrideUnit(int unit) {
  switch (unit) {
    case 1: return rules::Unit::kSecond;
    case 2: return rules::Unit::kMinute;
    case 3: return rules::Unit::kHour;
    case 4: return rules::Unit::kDay;
    case 5: return rules::Unit::kMonth;
    case 6: return rules::Unit::kYear;
    case 7: return rules::Unit::kWeek;
    default: return std::nullopt;
  }
}

int32_t CoreAlgorithm(rules::RuleAlgorithm algorithm) {
  switch (algorithm) {
    case rules::RuleAlgorithm::kTokenBucket: return static_cast<int32_t>(core::Algorithm::kTokenBucket);
    case rules::RuleAlgorithm::kLeakyBucket: return static_cast<int32_t>(core::Algorithm::kLeakyBucket);
    case rules::RuleAlgorithm::kFixedWindow: break;
  }
  return static_cast<int32_t>(core::Algorithm::kFixedWindow);
}

// A descriptor that is counted: where its status is, and its rule's shadow_mode (count, never
// answer OVER_LIMIT). Everything else a status needs from the rules is written into the
// answer before routing, so the completion closure carries only these and no snapshot.
struct Counted {
  int status_index = 0;
  bool shadow = false;
};
// Scratch is inline (on the stack, or in the completion closure) up to this many descriptors,
// entries twice as many; Envoy sends a handful per request, rarely more than a dozen. About 2 KiB
// of stack at most.
constexpr size_t kInlineDescriptors = 16;
using CountedList = absl::InlinedVector<Counted, kInlineDescriptors>;

// The limit a counted descriptor answers with, from its rule or its per-request override.
struct Limit {
  const std::string* name = nullptr;  // echoed as RateLimit.name; null for an override
  uint32_t requests_per_unit = 0;
  rules::Unit unit = rules::Unit::kSecond;
  rules::RuleAlgorithm algorithm = rules::RuleAlgorithm::kFixedWindow;
};

// One descriptor's problems, named for the caller; checked for all before anything is counted.
absl::Status ValidateDescriptor(int i, const RateLimitDescriptor& d) {
  if (d.entries().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("descriptor ", i, " has no entries"));
  }
  for (int j = 0; j < d.entries_size(); ++j) {
    if (d.entries(j).key().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptor ", i, " entry ", j, " has an empty key"));
    }
  }
  if (d.has_limit() && !FromOverrideUnit(d.limit().unit())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "descriptor ", i, " limit override has unknown unit ", d.limit().unit()));
  }
  return absl::OkStatus();
}

// Whole seconds, rounded up, like the reference: Envoy's X-RateLimit-Reset reads only the
// seconds, so 0.75 s left must not become "0".
void SetDurationUntilReset(int64_t millis, EnvoyDescriptorStatus& status) {
  millis = std::max<int64_t>(0, millis);
  status.has_duration_until_reset = true;
  status.reset_seconds = (millis + 999) / 1000;
  status.reset_nanos = 0;
}

// The rules-lookup span's attributes: the domain, whether it has rules, and the rules matched.
void AnnotateLookup(trace::Span& span, const RateLimitRequest& req, bool domain_known,
                    absl::Span<const rules::RuleHit> hits) {
  span.SetAttribute("sluice.domain", req.domain());
  span.SetAttribute("sluice.domain_known", domain_known);
  span.SetAttribute("sluice.descriptors", static_cast<int64_t>(req.descriptors_size()));
  std::string names;
  int64_t matched = 0;
  for (const rules::RuleHit& hit : hits) {
    if (hit.policy == nullptr) continue;
    ++matched;
    if (!names.empty()) names += ',';
    names += hit.policy->name.empty() ? std::string("(unnamed)") : hit.policy->name;
  }
  span.SetAttribute("sluice.matched_rules", matched);
  if (!names.empty()) span.SetAttribute("sluice.rules", names);
}

}  // namespace

void EnvoyHandler::ShouldRateLimit(const RateLimitRequest& req, RateLimitResponse* resp,
                                   Done done, CallTrace* trace) {
  auto answer = std::make_unique<EnvoyAnswer>();
  EnvoyAnswer* filled = answer.get();
  ShouldRateLimit(req, filled,
                  [resp, answer = std::move(answer), done = std::move(done)](
                      absl::Status status) mutable {
                    if (status.ok()) ToProto(*answer, resp);
                    std::move(done)(std::move(status));
                  },
                  trace);
}

void EnvoyHandler::ShouldRateLimit(const RateLimitRequest& req, EnvoyAnswer* answer,
                                   Done done, CallTrace* call_trace) {
  if (req.domain().empty()) {
    std::move(done)(absl::InvalidArgumentError("rate limit domain must not be empty"));
    return;
  }
  if (req.descriptors().empty()) {
    std::move(done)(absl::InvalidArgumentError("rate limit descriptor list must not be empty"));
    return;
  }
  const int64_t now = clock_.NowMillis();
  trace::Span lookup;
  if (call_trace) lookup = call_trace->StartChild("sluice.rules_lookup", trace::TracingLevel::kInfo);
  const rules::RuleSet& rules = rules_.Pinned();
  const rules::Domain* domain = rules.FindDomain(req.domain());

  // One pass validates every descriptor and finds its rule; nothing is counted before all are
  // valid (counting starts at Route). Scratch is inline for the usual handful of descriptors
  // (no allocation) and sized once.
  const int n = req.descriptors_size();
  int total_entries = 0;
  for (const auto& d : req.descriptors()) total_entries += d.entries_size();
  // Every descriptor's entry views in one array; descriptor i's are [first[i], first[i + 1]).
  absl::FixedArray<rules::DescriptorEntry, 2 * kInlineDescriptors> entries(total_entries);
  absl::FixedArray<int, kInlineDescriptors + 1> first(n + 1);
  absl::FixedArray<rules::RuleHit, kInlineDescriptors> hits(n);  // null: no limit, or override
  auto entries_of = [&](int i) {
    return absl::MakeConstSpan(entries).subspan(first[i], first[i + 1] - first[i]);
  };
  int next = 0;
  first[0] = 0;
  for (int i = 0; i < n; ++i) {
    const auto& d = req.descriptors(i);
    if (absl::Status status = ValidateDescriptor(i, d); !status.ok()) {
      std::move(done)(status);
      return;
    }
    for (const auto& e : d.entries()) entries[next++] = {e.key(), e.value()};
    first[i + 1] = next;
    if (domain != nullptr && !d.has_limit()) hits[i] = rules::RuleSet::Find(*domain, entries_of(i));
  }
  if (domain != nullptr && domain->has_replaces) rules::ApplyReplaces(absl::MakeSpan(hits));
  if (lookup.recording()) AnnotateLookup(lookup, req, domain != nullptr, hits);
  lookup.End();

  auto& statuses = answer->statuses;
  statuses.clear();
  statuses.resize(n);
  answer->response_headers_to_add.clear();
  CountedList counted;
  std::vector<core::RateLimitRequest> batch;
  const bool tracing = DecisionTrace::Enabled();
  DecisionTrace trace;
  const int32_t behavior = options_.global ? core::behavior::kGlobal : 0;
  for (int i = 0; i < n; ++i) {
    const auto& d = req.descriptors(i);
    EnvoyDescriptorStatus& status = statuses[i];
    status.code = RateLimitResponse::OK;
    Limit limit;
    bool shadow = false;
    const rules::RuleHit& hit = hits[i];  // empty for an override
    if (d.has_limit()) {
      limit.requests_per_unit = d.limit().requests_per_unit();
      limit.unit = *FromOverrideUnit(d.limit().unit());
    } else if (hit.policy != nullptr) {
      const rules::RateLimitPolicy& policy = *hit.policy;
      if (policy.unlimited) {
        status.limit_remaining = kUnlimitedRemaining;
        continue;
      }
      limit = Limit{&policy.name, policy.requests_per_unit, policy.unit, policy.algorithm};
      shadow = hit.shadow_mode;
    } else {
      continue;  // unmatched: OK, no current_limit
    }
    status.has_current_limit = true;
    if (limit.name != nullptr && !limit.name->empty()) status.limit_name = *limit.name;
    status.requests_per_unit = limit.requests_per_unit;
    status.unit = ToResponseUnit(limit.unit);

    const uint64_t addend = d.has_hits_addend() ? d.hits_addend().value()
                                                : std::max<uint64_t>(1, req.hits_addend());
    if (batch.empty()) batch.reserve(n - i);
    core::RateLimitRequest& r = batch.emplace_back();
    r.name = rules::kEnvoyCounterName;
    r.store_hash =
        rules::AppendCounterKey(r.unique_key, hit, req.domain(), entries_of(i), limit.unit);
    // Nothing is counted before Route, so a key over the limit rejects the call cleanly.
    if (std::string error = core::CheckKeyLength(r.name.size() + 1 + r.unique_key.size(),
                                                 options_.admission);
        !error.empty()) {
      if (metrics_) metrics_->RecordAdmission(/*key_too_long=*/true, false, false);
      std::move(done)(absl::InvalidArgumentError(absl::StrCat("descriptor ", i, ": ", error)));
      return;
    }
    r.hits = static_cast<int64_t>(std::min<uint64_t>(addend, INT64_MAX));
    r.limit = limit.requests_per_unit;
    r.duration = rules::UnitSeconds(limit.unit) * 1000;
    r.algorithm = CoreAlgorithm(limit.algorithm);
    r.behavior = behavior;
    r.created_at = now;
    counted.push_back(Counted{i, shadow});
    if (tracing) {
      trace.Capture(r, limit.name != nullptr && !limit.name->empty() ? *limit.name
                                                                     : std::string_view("override"));
    }
  }

  // counted[j] is answered by results[j].
  auto finish = [this, answer, now, counted = std::move(counted), trace = std::move(trace),
                 call_trace, done = std::move(done)](
                    std::vector<cluster::RoutedResponse> results) mutable {
    if (call_trace) call_trace->Routed(results);
    if (!trace.empty()) trace.Log("envoy", results);
    bool over = false;
    // The descriptor whose numbers go into RateLimit-* headers, chosen as the reference does:
    // the last OVER_LIMIT one, else the first with the lowest remaining below 4294967295.
    int header_source = -1;
    uint32_t header_remaining = kUnlimitedRemaining;
    for (size_t j = 0; j < counted.size(); ++j) {
      const core::RateLimitResponse& r = results.at(j).response;
      const int i = counted[j].status_index;
      if (!r.error.empty()) {
        std::move(done)(absl::UnavailableError(absl::StrCat("descriptor ", i, ": ", r.error)));
        return;
      }
      EnvoyDescriptorStatus& status = answer->statuses[i];
      bool limited = r.status == core::Status::kOverLimit;
      // An over-limit status reports 0 remaining, as the reference's does, even when the
      // rejected hits left some quota unspent.
      status.limit_remaining = limited ? 0
                                       : static_cast<uint32_t>(std::clamp<int64_t>(
                                             r.remaining, 0, kUnlimitedRemaining));
      SetDurationUntilReset(r.reset_time - now, status);
      // Over the limit but allowed, by the rule's shadow_mode or the global --shadow-mode: the
      // answer is counted as shadow either way.
      const bool shadowed = limited && (counted[j].shadow || options_.shadow_mode);
      if (limited && counted[j].shadow) limited = false;
      if (shadowed) {
        if (metrics_) metrics_->RecordDecision(obs::CallType::kOutcomeOnly, obs::Outcome::kShadow);
      } else if (metrics_) {
        metrics_->RecordDecision(obs::CallType::kLocal, limited ? obs::Outcome::kOverLimit
                                                                : obs::Outcome::kUnderLimit);
      }
      if (limited) status.code = RateLimitResponse::OVER_LIMIT;
      over = over || limited;
      if (status.limit_remaining < header_remaining || limited) {
        header_source = i;
        header_remaining = status.limit_remaining;
      }
    }
    answer->overall_code = over && !options_.shadow_mode ? RateLimitResponse::OVER_LIMIT
                                                         : RateLimitResponse::OK;
    if (options_.rate_limit_headers && header_source >= 0) {
      const EnvoyDescriptorStatus& s = answer->statuses[header_source];
      auto& headers = answer->response_headers_to_add;
      headers.push_back({"RateLimit-Limit", std::to_string(s.requests_per_unit)});
      headers.push_back({"RateLimit-Remaining", std::to_string(s.limit_remaining)});
      headers.push_back({"RateLimit-Reset", std::to_string(s.reset_seconds)});
    }
    std::move(done)(absl::OkStatus());
  };
  if (batch.empty()) {
    finish({});
    return;
  }
  std::optional<trace::ScopedActiveContext> active;
  if (call_trace) call_trace->Route(batch, active);
  router_.Route(std::move(batch), now, std::move(finish));
}

}  // namespace sluice::api
