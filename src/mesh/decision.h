// Decision: how one rate-limit request is answered in mesh mode — which window it counts in,
// and the answer read from (and charged to) the local CounterTable. No network round trip.
//
// Windows are epoch-aligned: [floor(now / duration) * duration, + duration) in the server's
// clock, so every node puts a request in the same window without talking to the others.
//  * FIXED_WINDOW (Envoy rules): exactly that.
//  * TOKEN_BUCKET (Gubernator): approximated by a fixed window of `duration` ms allowing `limit`
//    hits (DURATION_IS_GREGORIAN: the calendar interval). Burst behaves like a refill at each
//    window start instead of a continuous refill.
//  * LEAKY_BUCKET: over epoch-aligned sub-windows of the drain time (leaky_bucket.h).
//  * SLIDING_WINDOW: the current and the previous window, weighted (sliding_window.h).
//  * RESET_REMAINING: every window the request reads is reset (CounterTable::Reset: baselines
//    that gossip to every node) before the hits are applied.
//  * Negative hits: an error item (a G-counter cannot decrement).
// The client's created_at is not used: all nodes must agree on window boundaries by their own
// clocks. DRAIN_OVER_LIMIT is honoured.
//
// Pure functions; the caller serializes access to the table.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/rate_limit.h"
#include "mesh/counter_table.h"

namespace sluice::mesh {

// The window `req` counts in at `now` (epoch ms), or InvalidArgument naming why the request
// cannot be answered in mesh mode. For LEAKY_BUCKET only the key is set (the request is valid).
absl::StatusOr<WindowKey> WindowFor(const core::RateLimitRequest& req, int64_t now);

// With RESET_REMAINING, resets `windows` (those `req` reads) in `table`; otherwise nothing.
absl::Status ResetIfAsked(CounterTable& table, const core::RateLimitRequest& req,
                          absl::Span<const WindowKey> windows);

// Answers `req` from `table`, charging this node's slot when admitted. Problems are returned in
// RateLimitResponse::error (with the other fields zero), never as a failed call.
core::RateLimitResponse Decide(CounterTable& table, const core::RateLimitRequest& req, int64_t now);

}  // namespace sluice::mesh
