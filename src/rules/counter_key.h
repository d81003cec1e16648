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

std::string CounterKey(std::string_view domain, absl::Span<const DescriptorEntry> entries,
                       Unit unit);

}  // namespace sluice::rules
