// ResolveLimits: the Envoy door's policy as a pure function. From one ShouldRateLimit request —
// its domain, its descriptors (entries, optional per-descriptor limit override, optional
// hits_addend) and its request-level hits_addend — and a rules snapshot, it computes what every
// descriptor is answered with before anything is counted (reference/envoy_rls.md §1.8, §3.3–3.5):
//
//   * each descriptor is validated (at least one entry, no empty key) before any is resolved;
//   * its limit comes from its override when present, else from the rules (exact, then wildcard,
//     then default node; the depth must match); `replaces` then drops limits across the request;
//   * unmatched: answered OK with no current_limit; `unlimited`: OK with remaining 2^32-1;
//   * a counted descriptor gets a ResolvedLimit: the limit to echo, the counter key to count on,
//     the hits to add (descriptor hits_addend if present, 0 allowed; else max(1, request addend)),
//     the algorithm and whether the rule is in shadow mode; a rule with `rate_limits` (Sluice
//     extension) gets one per limit, in config order, each marked `one_of_several`: the
//     descriptor passes only if every one passes (see ReportedLimit).
//
// No I/O, no clock, no gRPC: tested on its own (resolve_limits_test.cc); the door
// (api/envoy_handler) only translates the wire message in and the decisions out.
//
// Thread safety: a pure function; the RuleSet must stay alive while a Resolution is used (it
// points to limit names owned by the snapshot).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "rules/rule.h"
#include "rules/rule_set.h"

namespace sluice::rules {

// A per-request limit that replaces the rules for one descriptor (RateLimitDescriptor.limit).
struct LimitOverride {
  uint32_t requests_per_unit = 0;
  Unit unit = Unit::kSecond;
};

// One request descriptor as the door read it off the wire.
struct DescriptorRequest {
  absl::Span<const DescriptorEntry> entries;
  std::optional<LimitOverride> limit_override;
  std::optional<uint64_t> hits_addend;  // the descriptor's own hits_addend, when present
};

// How one descriptor is answered.
enum class DescriptorOutcome {
  kUnmatched,  // OK, no current_limit
  kUnlimited,  // OK, limit_remaining 2^32-1, no current_limit
  kCounted,    // OK or OVER_LIMIT by its ResolvedLimit's counter
};

// One counter a descriptor is judged by.
struct ResolvedLimit {
  int descriptor = 0;       // index of its descriptor in the request
  std::string_view name;    // the rule's `name` (echoed as RateLimit.name); empty for an override
  bool is_override = false;
  uint32_t requests_per_unit = 0;
  Unit unit = Unit::kSecond;
  uint32_t unit_multiplier = 1;  // the rule's; 1 for an override
  RuleAlgorithm algorithm = RuleAlgorithm::kFixedWindow;
  bool shadow_mode = false;  // the rule's descriptor-level shadow_mode
  bool one_of_several = false;  // its descriptor has more limits (`rate_limits`), next to it
  uint64_t hits = 0;
  // The counter's key (rules/counter_key.h) and, when it is a rule's precomputed key, its store
  // hash (core::RateLimitRequest::store_hash); else 0.
  std::string counter_key;
  uint64_t store_hash = 0;

  // Window length in seconds.
  int64_t WindowSeconds() const { return rules::WindowSeconds(unit, unit_multiplier); }
};

// Inline capacity: Envoy sends a handful of descriptors per request, rarely more than a dozen.
inline constexpr size_t kInlineDescriptorRequests = 16;

struct Resolution {
  // One per request descriptor, in request order.
  absl::InlinedVector<DescriptorOutcome, kInlineDescriptorRequests> outcomes;
  // The counted descriptors' limits, in descriptor order.
  absl::InlinedVector<ResolvedLimit, kInlineDescriptorRequests> limits;
};

// Of a descriptor's several limits, the one its status reports, the same rule Envoy's
// RateLimit-* headers follow across descriptors: the first that is over its limit, else the
// first with the fewest remaining. `over[k]` and `remaining[k]` describe limit k; both spans are
// non-empty and of equal size.
size_t ReportedLimit(absl::Span<const bool> over, absl::Span<const int64_t> remaining);

// Fills `out` (overwritten) for `descriptors` of `domain` against `rules`. InvalidArgument
// naming the descriptor (and entry) for a descriptor without entries or with an empty key;
// nothing is resolved then. An unknown domain resolves every descriptor without an override to
// kUnmatched.
absl::Status ResolveLimits(const RuleSet& rules, std::string_view domain,
                           absl::Span<const DescriptorRequest> descriptors,
                           uint64_t request_hits_addend, Resolution& out);

}  // namespace sluice::rules
