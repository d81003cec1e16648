// CounterKey: the store key an Envoy descriptor counts against.
//
//   domain + "_" + k1 + "_" + v1 + "_" + ... + kN + "_" + vN + "_" + unit name
//   e.g. "sluice-demo_remote_address_10.0.0.1_second"
//
// This is envoyproxy/ratelimit's cache key (reference §3.6) without the window start (the
// algorithm adds time itself) and WITH the unit, so two limits on the same entries with different
// units (a rule and a per-request override, say) never share a counter. Like the reference, the
// separator is not escaped: choose keys and values so the joined form is unambiguous.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "rules/rule.h"
#include "rules/rule_set.h"

namespace sluice::rules {

// The name under which Envoy counters live in the store: the store key of a counter is
// core::HashKey(kEnvoyCounterName, counter key), i.e. "envoy_<counter key>".
inline constexpr char kEnvoyCounterName[] = "envoy";

// With a `unit_multiplier` N > 1 the unit part is N and the unit name, "..._30second", so
// windows of different lengths never share a counter; with N = 1 the key is the reference's.
std::string CounterKey(std::string_view domain, absl::Span<const DescriptorEntry> entries,
                       Unit unit, uint32_t unit_multiplier = 1);

// The same key appended to `out` (the request path builds it in place, one allocation at most).
void AppendCounterKey(std::string& out, std::string_view domain,
                      absl::Span<const DescriptorEntry> entries, Unit unit,
                      uint32_t unit_multiplier = 1);

// The key's parts known from the rules alone, precomputed at load so a request copies instead of
// joining. A prefix is "<domain>_<k1>_<v1>_..._<kN>_": `CounterKeyLevel("", domain)`, then one
// level per key and per exact value.
std::string CounterKeyLevel(std::string_view prefix, std::string_view part);

// The key from such a prefix and the request's last value: prefix + last_value + "_" + unit.
void AppendCounterKey(std::string& out, std::string_view prefix, std::string_view last_value,
                      Unit unit, uint32_t unit_multiplier = 1);

// The key of a descriptor (`entries`, non-empty) that found `hit` in `domain`, counted in
// windows of `unit_multiplier` × `unit`: the rule's precomputed key or prefix when it has one,
// else the full join. The same string as CounterKey(domain, entries, unit, unit_multiplier).
// Returns the key's precomputed store hash when it appended the rule's whole precomputed key
// (core::RateLimitRequest::store_hash), else 0: the store hashes the key itself.
uint64_t AppendCounterKey(std::string& out, const RuleHit& hit, std::string_view domain,
                          absl::Span<const DescriptorEntry> entries, Unit unit,
                          uint32_t unit_multiplier = 1);

// core::Store::KeyHash of the store key of `counter_key`; computed at load for static keys.
uint64_t CounterStoreKeyHash(std::string_view counter_key);

}  // namespace sluice::rules
