// AdminCounters: the counter admin (docs/api.md "Counter admin"; Sluice extension): reads or
// resets every counter an AdminSelector (admin_selector.h) addresses, through the node's Router,
// so a cluster node asks each counter's owner like any request would.
//
//   read   a request with 0 hits per counter: the answer's limit, remaining and reset, and
//          count = limit - remaining (hits counted against the limit now; never below 0).
//   reset  the same with RESET_REMAINING: the counter starts empty (token bucket: deleted;
//          fixed and sliding window: emptied in the current window; leaky bucket: refilled;
//          mesh mode: on every node, by gossip — docs/mesh.md "Reset").
//
// An Envoy descriptor is resolved against the current rules exactly as ShouldRateLimit would
// (counter_request.h), so the same keys are read: all limits of a `rate_limits` rule, none for
// `unlimited`, NotFound when no rule matches. A counter answered with an item error (a peer
// that cannot be reached) fails the call with Unavailable naming the key.
//
// Thread safety: Run from any thread; `done` may run inline or on the thread that answers the
// last counter. The router, clock and rule store must outlive the object.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "api/admin_selector.h"
#include "cluster/router.h"
#include "core/clock.h"
#include "rules/rule_store.h"

namespace sluice::api {

struct AdminCounter {
  std::string key;         // the store key: name "_" unique_key
  std::string limit_name;  // the rule's `name`, or ""
  std::string algorithm;   // "fixed_window", "token_bucket", "leaky_bucket", "sliding_window"
  int64_t limit = 0;
  int64_t count = 0;
  int64_t remaining = 0;
  int64_t reset_time = 0;  // epoch ms
  std::string owner;       // the owner's gRPC address when another node holds it, else ""
};

struct AdminAnswer {
  bool unlimited = false;  // an `unlimited` rule: no counter
  int64_t now = 0;         // when the counters were read (epoch ms; the clock's)
  std::vector<AdminCounter> counters;
};

class AdminCounters {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<AdminAnswer>) &&>;

  AdminCounters(cluster::Router& router, const core::Clock& clock, const rules::RuleStore& rules)
      : router_(router), clock_(clock), rules_(rules) {}

  // Reads (reset = false) or resets the counters `selector` addresses; `done` once.
  void Run(const AdminSelector& selector, bool reset, Done done) const;

 private:
  cluster::Router& router_;
  const core::Clock& clock_;
  const rules::RuleStore& rules_;
};

// {"unlimited":false,"counters":[{"key":…,"name":…,"algorithm":…,"limit":…,"count":…,
//  "remaining":…,"reset_time":…,"duration_until_reset_ms":…,"owner":…}]}
std::string AdminAnswerJson(const AdminAnswer& answer);

}  // namespace sluice::api
