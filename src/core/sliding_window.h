// The sliding-window counter (Sluice extension; Envoy rules `algorithm: sliding_window`,
// Gubernator algorithm 3): an estimate of the hits admitted in the last `duration` ms from two
// epoch-aligned fixed windows — the current one and the one before it:
//
//   estimate(t) = current + ceil(previous × (duration − elapsed) / duration)
//
// where elapsed = t − start of the current window. The previous window's count is weighted by the
// part of it still inside the sliding window [t − duration, t), as if its hits had been spread
// evenly over it. O(1) state per key (two counts and a window start).
//
// Error bound against an exact sliding log (docs/envoy.md, "Sliding window"): the estimate is off
// by at most the previous window's hits that fell outside their assumed even spread, so by less
// than `previous` ≤ limit. Consequently no interval of length `duration` ever admits 2 × limit
// (a fixed window admits 2 × limit across an edge), and for arrivals without bursts at window
// ends the overshoot is small: sliding_window_test.cc measures it against an exact log on a
// seeded random arrival stream.
//
// Thread safety: pure functions; the caller guarantees exclusive access to the item.
#pragma once

#include <cstdint>

namespace sluice::core {

// The weighted count of the sliding window ending at `elapsed` ms into the current window
// (0 ≤ elapsed < duration, duration > 0; counts ≥ 0). Saturates at the int64 range.
int64_t SlidingEstimate(int64_t previous, int64_t current, int64_t elapsed, int64_t duration);

}  // namespace sluice::core
