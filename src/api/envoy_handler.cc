#include "api/envoy_handler.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "rules/counter_key.h"
#include "rules/replaces.h"

namespace sluice::api {
namespace {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;
using ResponseUnit = RateLimitResponse::RateLimit::Unit;

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

// What one descriptor resolved to; kept small because the completion closure carries one per
// descriptor.
struct Plan {
  // Owned by the rules snapshot or by the call's override list; null: answered OK, no limit.
  const rules::RateLimitPolicy* policy = nullptr;
  bool shadow = false;     // the rule's shadow_mode: count, never answer OVER_LIMIT
  int request_index = -1;  // position in the routed batch, or -1 when nothing is counted
};
using Plans = absl::InlinedVector<Plan, 4>;

absl::Status ValidateRequest(const RateLimitRequest& req) {
  if (req.domain().empty()) return absl::InvalidArgumentError("rate limit domain must not be empty");
  if (req.descriptors().empty()) {
    return absl::InvalidArgumentError("rate limit descriptor list must not be empty");
  }
  for (int i = 0; i < req.descriptors_size(); ++i) {
    const auto& d = req.descriptors(i);
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
  }
  return absl::OkStatus();
}

void SetDuration(int64_t millis, google::protobuf::Duration* out) {
  millis = std::max<int64_t>(0, millis);
  out->set_seconds(millis / 1000);
  out->set_nanos(static_cast<int32_t>((millis % 1000) * 1'000'000));
}

void AddHeader(RateLimitResponse* resp, const char* key, std::string value) {
  auto* h = resp->add_response_headers_to_add();
  h->set_key(key);
  h->set_value(std::move(value));
}

}  // namespace

void EnvoyHandler::ShouldRateLimit(const RateLimitRequest& req, RateLimitResponse* resp,
                                   Done done) {
  if (absl::Status status = ValidateRequest(req); !status.ok()) {
    std::move(done)(status);
    return;
  }
  const int64_t now = clock_.NowMillis();
  std::shared_ptr<const rules::RuleSet> rules = rules_();

  // Per-call scratch stays inline for the usual handful of descriptors: no allocations.
  const int n = req.descriptors_size();
  absl::InlinedVector<absl::InlinedVector<rules::DescriptorEntry, 4>, 4> entries(n);
  absl::InlinedVector<std::optional<rules::RuleMatch>, 4> matches(n);
  // Per-descriptor overrides are rare; reserved up front so the plans' pointers stay valid.
  std::vector<rules::RateLimitPolicy> overrides;
  const rules::Domain* domain = rules ? rules->FindDomain(req.domain()) : nullptr;
  for (int i = 0; i < n; ++i) {
    const auto& d = req.descriptors(i);
    for (const auto& e : d.entries()) entries[i].emplace_back(e.key(), e.value());
    if (d.has_limit()) {
      if (overrides.capacity() == 0) overrides.reserve(n);
      continue;
    }
    if (domain != nullptr) matches[i] = rules::RuleSet::Match(*domain, entries[i]);
  }
  rules::ApplyReplaces(absl::MakeSpan(matches));

  Plans plans(n);
  std::vector<core::RateLimitRequest> batch;
  batch.reserve(n);
  for (int i = 0; i < n; ++i) {
    const auto& d = req.descriptors(i);
    Plan& plan = plans[i];
    if (d.has_limit()) {
      rules::RateLimitPolicy& policy = overrides.emplace_back();
      policy.requests_per_unit = d.limit().requests_per_unit();
      policy.unit = *FromOverrideUnit(d.limit().unit());
      plan.policy = &policy;
    } else if (matches[i]) {
      plan.policy = matches[i]->policy;
      plan.shadow = matches[i]->shadow_mode;
    }
    const rules::RateLimitPolicy* policy = plan.policy;
    if (policy == nullptr || policy->unlimited) continue;
    const uint64_t addend = d.has_hits_addend() ? d.hits_addend().value()
                                                : std::max<uint64_t>(1, req.hits_addend());
    core::RateLimitRequest& r = batch.emplace_back();
    r.name = kEnvoyCounterName;
    r.unique_key = rules::CounterKey(req.domain(), entries[i], policy->unit);
    r.hits = static_cast<int64_t>(std::min<uint64_t>(addend, INT64_MAX));
    r.limit = policy->requests_per_unit;
    r.duration = rules::UnitSeconds(policy->unit) * 1000;
    r.algorithm = CoreAlgorithm(policy->algorithm);
    r.behavior = options_.global ? core::behavior::kGlobal : 0;
    r.created_at = now;
    plan.request_index = static_cast<int>(batch.size()) - 1;
  }

  // The closure holds the snapshot and the overrides: plans point into them, and with a cluster
  // router the answer may come after a reload has replaced the snapshot.
  auto finish = [this, resp, now, rules = std::move(rules), overrides = std::move(overrides),
                 plans = std::move(plans),
                 done = std::move(done)](std::vector<cluster::RoutedResponse> results) mutable {
    bool over = false;
    int header_source = -1;  // descriptor whose numbers go into RateLimit-* headers
    for (size_t i = 0; i < plans.size(); ++i) {
      const Plan& plan = plans[i];
      auto* status = resp->add_statuses();
      status->set_code(RateLimitResponse::OK);
      const rules::RateLimitPolicy* policy = plan.policy;
      if (policy == nullptr) continue;  // unmatched: OK, no current_limit
      if (policy->unlimited) {
        status->set_limit_remaining(kUnlimitedRemaining);
        continue;
      }
      const core::RateLimitResponse& r = results.at(plan.request_index).response;
      if (!r.error.empty()) {
        std::move(done)(absl::UnavailableError(absl::StrCat("descriptor ", i, ": ", r.error)));
        return;
      }
      auto* limit = status->mutable_current_limit();
      limit->set_name(policy->name);
      limit->set_requests_per_unit(policy->requests_per_unit);
      limit->set_unit(ToResponseUnit(policy->unit));
      status->set_limit_remaining(static_cast<uint32_t>(
          std::clamp<int64_t>(r.remaining, 0, kUnlimitedRemaining)));
      SetDuration(r.reset_time - now, status->mutable_duration_until_reset());
      bool limited = r.status == core::Status::kOverLimit;
      if (limited && plan.shadow) {
        limited = false;
        if (metrics_) metrics_->decisions[static_cast<size_t>(obs::Outcome::kShadow)]->Increment();
      } else if (metrics_) {
        metrics_->RecordDecision(obs::CallType::kLocal, limited ? obs::Outcome::kOverLimit
                                                                : obs::Outcome::kUnderLimit);
      }
      if (limited) status->set_code(RateLimitResponse::OVER_LIMIT);
      over = over || limited;
      // The reference picks the lowest remaining; an over-limit descriptor always wins.
      auto rank = [](const RateLimitResponse::DescriptorStatus& st) {
        return std::pair{st.code() != RateLimitResponse::OVER_LIMIT, st.limit_remaining()};
      };
      if (header_source < 0 || rank(*status) < rank(resp->statuses(header_source))) {
        header_source = static_cast<int>(i);
      }
    }
    resp->set_overall_code(over && !options_.shadow_mode ? RateLimitResponse::OVER_LIMIT
                                                         : RateLimitResponse::OK);
    if (options_.rate_limit_headers && header_source >= 0) {
      const auto& s = resp->statuses(header_source);
      AddHeader(resp, "RateLimit-Limit", std::to_string(s.current_limit().requests_per_unit()));
      AddHeader(resp, "RateLimit-Remaining", std::to_string(s.limit_remaining()));
      // Whole seconds until the window ends, rounded up like the reference's.
      const auto& reset = s.duration_until_reset();
      AddHeader(resp, "RateLimit-Reset", std::to_string(reset.seconds() + (reset.nanos() > 0)));
    }
    std::move(done)(absl::OkStatus());
  };
  if (batch.empty()) {
    finish({});
    return;
  }
  router_.Route(std::move(batch), now, std::move(finish));
}

}  // namespace sluice::api
