// Rule parser: turns the text of one envoyproxy/ratelimit YAML rules file into a validated Domain
// (reference/envoy_rls.md §3.2, plus Sluice's `algorithm:` key inside `rate_limit`).
//
// Every problem rejects the whole file with InvalidArgument and a message of the form
// "<source>:<line>: <problem>" (line is 1-based), for example
//   rules/api.yaml:7: unknown key 'uint' in rate_limit
// Checked: YAML syntax; exactly one document; unknown keys, and known keys at the wrong level;
// duplicate map keys; value types (strings, booleans, uint32, lists of maps, maps); missing or
// empty `domain`; empty `key`; duplicate composite key (`key` or `key_value`) among siblings;
// missing or unknown `unit` (unless `unlimited`); `unlimited: true` together with a unit; missing
// `requests_per_unit` on a counted limit; `replaces` entries with an empty name or naming the
// limit itself; unknown `algorithm`; `share_threshold: true` without a `*` in the value.
// Accepted but not acted on (type-checked only): quota_mode, detailed_metric, value_to_metric,
// share_threshold, metadata (its contents are not inspected).
//
// Thread safety: a pure function; may be called from any thread. No exception escapes.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "rules/rule.h"

namespace sluice::rules {

// Parses `yaml`, the contents of the rules file named `source` (used only in messages).
absl::StatusOr<Domain> ParseRules(std::string_view source, std::string_view yaml);

}  // namespace sluice::rules
