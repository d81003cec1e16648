// Sliding window in mesh mode (docs/mesh.md, "Sliding window"): the core's sliding-window
// counter (core/sliding_window.h) on G-counters. Each key keeps two epoch-aligned windows of
// `duration` ms — the current one and the one before — and each is a G-counter like any mesh
// window (one slot per node, merged by per-node maximum), so the previous and current totals are
// sums over nodes and the weighted estimate is the same function of them as on a single node.
// A window is kept until it no longer weighs in: [start, start + 2 × duration) is its WindowKey,
// which also keeps it apart from a fixed window of the same key.
//
// Across nodes the overshoot is the mesh's usual one (hits admitted elsewhere and not yet seen
// here), on top of the estimate's own error bound.
//
// Pure: the caller's CounterTable is the only state; `now` comes in (epoch ms).
#pragma once

#include <cstdint>

#include "core/rate_limit.h"
#include "mesh/counter_table.h"

namespace sluice::mesh {

// Answers a sliding-window request (already checked by the caller: hits >= 0, key length,
// positive duration) from `table`, charging this node's slot in the current window when
// admitted. RESET_REMAINING resets both windows first. Problems come back in
// RateLimitResponse::error.
core::RateLimitResponse DecideSliding(CounterTable& table, const core::RateLimitRequest& req,
                                      const WindowKey& current, int64_t now);

}  // namespace sluice::mesh
