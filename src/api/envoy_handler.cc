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
#include "api/counter_request.h"
#include "api/decision_trace.h"
#include "rules/counter_key.h"
#include "rules/resolve_limits.h"

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

// A descriptor that is counted: where its status is, and its rule's shadow_mode (count, never
// answer OVER_LIMIT). Everything else a status needs from the rules is written into the
// answer before routing, so the completion closure carries only these and no snapshot.
struct Counted {
  int status_index = 0;
  bool shadow = false;
  // One of several limits of its descriptor (`rate_limits`): its current_limit, for the status
  // in case this is the limit reported.
  bool one_of_several = false;
  std::string name;
  uint32_t requests_per_unit = 0;
  ResponseUnit unit = RateLimitResponse::RateLimit::UNKNOWN;
};
// Scratch is inline (on the stack, or in the completion closure) up to this many descriptors,
// entries twice as many; Envoy sends a handful per request, rarely more than a dozen. About 2 KiB
// of stack at most.
constexpr size_t kInlineDescriptors = 16;
using CountedList = absl::InlinedVector<Counted, kInlineDescriptors>;

// A limit of a descriptor with several, checked before anything is counted.
struct ProbedLimit {
  size_t index = 0;    // in the batch
  int descriptor = 0;  // its descriptor
};

bool IsProbed(const std::vector<ProbedLimit>& probed, size_t index) {
  for (const ProbedLimit& p : probed) {
    if (p.index == index) return true;
  }
  return false;
}

// The limit a descriptor's status reports among its limits [first, end) (rules::ReportedLimit).
size_t ReportedOf(const std::vector<cluster::RoutedResponse>& results, size_t first, size_t end) {
  if (end - first == 1) return 0;
  absl::InlinedVector<bool, 4> over;
  absl::InlinedVector<int64_t, 4> remaining;
  for (size_t j = first; j < end; ++j) {
    over.push_back(results[j].response.status == core::Status::kOverLimit);
    remaining.push_back(results[j].response.remaining);
  }
  return rules::ReportedLimit(over, remaining);
}

// A descriptor with several limits was rejected: every limit of [first, end) that counted its
// hits (counted_requests[j] has a name) gives them back.
void AddRefunds(const std::vector<cluster::RoutedResponse>& results,
                const std::vector<core::RateLimitRequest>& counted_requests, size_t first,
                size_t end, std::vector<core::RateLimitRequest>& refunds) {
  for (size_t j = first; j < end && j < counted_requests.size(); ++j) {
    const core::RateLimitRequest& r = counted_requests[j];
    if (r.name.empty() || r.hits <= 0) continue;
    if (results[j].response.status != core::Status::kUnderLimit) continue;
    core::RateLimitRequest& refund = refunds.emplace_back(r);
    refund.hits = -r.hits;
  }
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
                    const rules::Resolution& resolution) {
  span.SetAttribute("sluice.domain", req.domain());
  span.SetAttribute("sluice.domain_known", domain_known);
  span.SetAttribute("sluice.descriptors", static_cast<int64_t>(req.descriptors_size()));
  std::string names;
  int64_t matched = 0;
  for (const rules::ResolvedLimit& limit : resolution.limits) {
    if (limit.is_override) continue;
    ++matched;
    if (!names.empty()) names += ',';
    names += limit.name.empty() ? std::string("(unnamed)") : std::string(limit.name);
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

  // The wire message in the rules' terms: every descriptor's entry views in one array
  // (descriptor i's are [first[i], first[i + 1])), inline for the usual handful of descriptors.
  const int n = req.descriptors_size();
  int total_entries = 0;
  for (const auto& d : req.descriptors()) total_entries += d.entries_size();
  absl::FixedArray<rules::DescriptorEntry, 2 * kInlineDescriptors> entries(total_entries);
  absl::FixedArray<rules::DescriptorRequest, kInlineDescriptors> descriptors(n);
  int next = 0;
  for (int i = 0; i < n; ++i) {
    const auto& d = req.descriptors(i);
    const int first = next;
    for (const auto& e : d.entries()) entries[next++] = {e.key(), e.value()};
    rules::DescriptorRequest& out = descriptors[i];
    out.entries = absl::MakeConstSpan(entries).subspan(first, next - first);
    if (d.has_limit()) {
      std::optional<rules::Unit> unit = FromOverrideUnit(d.limit().unit());
      if (!unit) {
        std::move(done)(absl::InvalidArgumentError(absl::StrCat(
            "descriptor ", i, " limit override has unknown unit ", d.limit().unit())));
        return;
      }
      out.limit_override = rules::LimitOverride{d.limit().requests_per_unit(), *unit};
    }
    if (d.has_hits_addend()) out.hits_addend = d.hits_addend().value();
  }
  rules::Resolution resolution;
  if (absl::Status status =
          rules::ResolveLimits(rules, req.domain(), descriptors, req.hits_addend(), resolution);
      !status.ok()) {
    std::move(done)(std::move(status));
    return;
  }
  if (lookup.recording()) {
    AnnotateLookup(lookup, req, rules.FindDomain(req.domain()) != nullptr, resolution);
  }
  lookup.End();

  auto& statuses = answer->statuses;
  statuses.clear();
  statuses.resize(n);
  answer->response_headers_to_add.clear();
  for (int i = 0; i < n; ++i) {
    statuses[i].code = RateLimitResponse::OK;
    if (resolution.outcomes[i] == rules::DescriptorOutcome::kUnlimited) {
      statuses[i].limit_remaining = kUnlimitedRemaining;
    }
  }
  CountedList counted;
  std::vector<core::RateLimitRequest> batch;
  batch.reserve(resolution.limits.size());
  const bool tracing = DecisionTrace::Enabled();
  DecisionTrace trace;
  const int32_t behavior = options_.global ? core::behavior::kGlobal : 0;
  std::vector<core::RateLimitRequest> probes;  // probes[k] checks batch[probed[k].index]
  std::vector<ProbedLimit> probed;
  for (rules::ResolvedLimit& limit : resolution.limits) {
    const int i = limit.descriptor;
    Counted& c = counted.emplace_back(Counted{i, limit.shadow_mode, limit.one_of_several});
    if (limit.one_of_several) {
      // Which of the limits the status reports is known only from the answers: keep each one's
      // current_limit (copied: the closure must not point into the rules snapshot).
      c.name = limit.name;
      c.requests_per_unit = limit.requests_per_unit;
      c.unit = ToResponseUnit(limit.unit);
    }
    EnvoyDescriptorStatus& status = statuses[i];
    if (!status.has_current_limit) {
      status.has_current_limit = true;
      if (!limit.name.empty()) status.limit_name = limit.name;
      status.requests_per_unit = limit.requests_per_unit;
      status.unit = ToResponseUnit(limit.unit);
    }

    core::RateLimitRequest& r = batch.emplace_back(CounterRequest(limit, now, behavior));
    // Nothing is counted before Route, so a key over the limit rejects the call cleanly.
    if (std::string error = core::CheckKeyLength(r.name.size() + 1 + r.unique_key.size(),
                                                 options_.admission);
        !error.empty()) {
      if (metrics_) metrics_->RecordAdmission(/*key_too_long=*/true, false, false);
      std::move(done)(absl::InvalidArgumentError(absl::StrCat("descriptor ", i, ": ", error)));
      return;
    }
    if (tracing) trace.Capture(r, limit.name.empty() ? std::string_view("override") : limit.name);
    if (limit.one_of_several) {
      probed.push_back(ProbedLimit{batch.size() - 1, i});
      probes.push_back(r);
      probes.back().hits = 0;  // a check: counts nothing
    }
  }

  // counted[j] is answered by results[j]. counted_requests[j] is what was counted for a limit
  // of a descriptor with several (empty elsewhere), so that a rejection can be given back.
  auto finish = [this, answer, now, counted = std::move(counted), trace = std::move(trace),
                 call_trace, done = std::move(done)](
                    std::vector<cluster::RoutedResponse> results,
                    std::vector<core::RateLimitRequest> counted_requests) mutable {
    if (call_trace) call_trace->Routed(results);
    if (!trace.empty()) trace.Log("envoy", results);
    for (size_t j = 0; j < counted.size(); ++j) {
      if (const std::string& error = results.at(j).response.error; !error.empty()) {
        std::move(done)(absl::UnavailableError(
            absl::StrCat("descriptor ", counted[j].status_index, ": ", error)));
        return;
      }
    }
    bool over = false;
    // The descriptor whose numbers go into RateLimit-* headers, chosen as the reference does:
    // the last OVER_LIMIT one, else the first with the lowest remaining below 4294967295.
    int header_source = -1;
    uint32_t header_remaining = kUnlimitedRemaining;
    std::vector<core::RateLimitRequest> refunds;
    for (size_t j = 0; j < counted.size();) {
      // One descriptor's limits: [j, end), more than one only for a `rate_limits` rule.
      size_t end = j + 1;
      while (end < counted.size() && counted[end].status_index == counted[j].status_index) ++end;
      const size_t reported = j + ReportedOf(results, j, end);
      const core::RateLimitResponse& r = results[reported].response;
      const int i = counted[j].status_index;
      EnvoyDescriptorStatus& status = answer->statuses[i];
      bool limited = r.status == core::Status::kOverLimit;
      if (counted[j].one_of_several) {
        status.limit_name = counted[reported].name;
        status.requests_per_unit = counted[reported].requests_per_unit;
        status.unit = counted[reported].unit;
        // A rejection by one limit does not consume the others: give back what they took.
        if (limited) AddRefunds(results, counted_requests, j, end, refunds);
      }
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
        if (metrics_) metrics_->RecordDecision(CallType::kOutcomeOnly, Outcome::kShadow);
      } else if (metrics_) {
        metrics_->RecordDecision(CallType::kLocal, limited ? Outcome::kOverLimit
                                                                : Outcome::kUnderLimit);
      }
      if (limited) status.code = RateLimitResponse::OVER_LIMIT;
      over = over || limited;
      if (status.limit_remaining < header_remaining || limited) {
        header_source = i;
        header_remaining = status.limit_remaining;
      }
      j = end;
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
    if (!refunds.empty()) {
      // Best effort; the answer does not wait for it (in mesh mode, which cannot give hits back,
      // it fails and the hits stay counted).
      router_.Route(std::move(refunds), now, [](std::vector<cluster::RoutedResponse>) {});
    }
    std::move(done)(absl::OkStatus());
  };
  if (batch.empty()) {
    finish({}, {});
    return;
  }
  std::optional<trace::ScopedActiveContext> active;
  if (call_trace) call_trace->Route(batch, active);
  if (probes.empty()) {
    router_.Route(std::move(batch), now,
                  [finish = std::move(finish)](std::vector<cluster::RoutedResponse> results) mutable {
                    finish(std::move(results), {});
                  });
    return;
  }
  // A descriptor with several limits is first checked against all of them without counting, so
  // that one over its limit consumes none of the others; only descriptors whose every limit has
  // room are then counted (a race between the two rounds is undone by refunds in `finish`).
  router_.Route(
      std::move(probes), now,
      [this, now, batch = std::move(batch), probed = std::move(probed),
       finish = std::move(finish)](std::vector<cluster::RoutedResponse> checked) mutable {
        // The answers of descriptors that fail the check stand for their limits; none is counted.
        std::vector<cluster::RoutedResponse> results(batch.size());
        std::vector<bool> standing(batch.size(), false);
        for (size_t k = 0; k < probed.size(); ++k) {
          const ProbedLimit& p = probed[k];
          const core::RateLimitResponse& r = checked.at(k).response;
          const bool fails = !r.error.empty() || r.status == core::Status::kOverLimit ||
                             r.remaining < batch[p.index].hits;
          if (!fails) continue;
          for (size_t q = 0; q < probed.size(); ++q) {
            if (probed[q].descriptor != p.descriptor) continue;
            standing[probed[q].index] = true;
            results[probed[q].index] = checked[q];
          }
          results[p.index].response.status = core::Status::kOverLimit;
        }
        std::vector<core::RateLimitRequest> sent;
        std::vector<size_t> sent_index;
        std::vector<core::RateLimitRequest> counted_requests(batch.size());
        for (size_t j = 0; j < batch.size(); ++j) {
          if (standing[j]) continue;
          sent_index.push_back(j);
          if (batch[j].hits != 0 && IsProbed(probed, j)) counted_requests[j] = batch[j];
          sent.push_back(std::move(batch[j]));
        }
        if (sent.empty()) {
          finish(std::move(results), {});
          return;
        }
        router_.Route(std::move(sent), now,
                      [finish = std::move(finish), results = std::move(results),
                       sent_index = std::move(sent_index),
                       counted_requests = std::move(counted_requests)](
                          std::vector<cluster::RoutedResponse> answers) mutable {
                        for (size_t m = 0; m < sent_index.size(); ++m) {
                          results[sent_index[m]] = std::move(answers.at(m));
                        }
                        finish(std::move(results), std::move(counted_requests));
                      });
      });
}

}  // namespace sluice::api
