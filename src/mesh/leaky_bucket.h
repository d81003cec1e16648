// Leaky bucket in mesh mode, on G-counters (docs/mesh.md, "Leaky bucket").
//
// A leaky bucket's level is path-dependent (it empties, then stays at zero), so no single
// counter can hold it; but it is a function of the admitted hits over time. With A(s, t] the
// hits admitted in (s, t] and r = limit / duration the leak rate, the level at t is
//
//     level(t) = max over s <= t of ( A(s, t] - r (t - s) )        (Lindley's formula)
//
// which needs only sums of admissions — what the mesh replicates. Time is cut into
// epoch-aligned sub-windows of length g = drain time / kLeakySubWindows (drain time = burst /
// r); each sub-window of a key is one G-counter (every node's admissions in it, merged by
// per-node maximum, like any mesh window), and the last kLeakyHistory of them (3.2 drain
// times) are the history H. Two upper bounds make the estimate: the formula over H, taking
// each sub-window's hits as arriving at its *end*; and, for what came before H,
// burst + A(H) - r |H| (the level then was at most the burst). So the bucket never admits more
// than an exact leaky bucket would on the same admissions. It admits at most r·g =
// burst / kLeakySubWindows less while the bucket emptied within H, and at most
// burst - level(start of H) less after it stayed non-empty for longer (a saturated bucket is
// full, so then nearly nothing). Across nodes the only overshoot is the mesh's usual one: hits
// admitted elsewhere and not yet seen here.
//
// Changing a key's limit, duration or burst changes g and so starts a fresh bucket.
//
// Pure: the caller's CounterTable is the only state; `now` comes in (epoch ms).
#pragma once

#include <cstdint>

#include "core/rate_limit.h"
#include "mesh/counter_table.h"

namespace sluice::mesh {

inline constexpr int64_t kLeakySubWindows = 10;  // sub-windows per drain time
inline constexpr int64_t kLeakyHistory = 32;     // sub-windows read per decision

// Answers a LEAKY_BUCKET request (already checked by the caller for hits >= 0, key length) from
// `table`, charging this node's slot when admitted. RESET_REMAINING resets every sub-window of
// the history first (the bucket is then empty). Problems come back in
// RateLimitResponse::error.
core::RateLimitResponse DecideLeaky(CounterTable& table, const core::RateLimitRequest& req,
                                    int64_t now);

}  // namespace sluice::mesh
