// The state the store keeps for one key: which algorithm owns it, that algorithm's state and
// when the entry expires. Plain values, copied and compared freely; kept small because the
// store holds one per tracked key (see docs/BENCHMARKS.md for bytes per key).
#pragma once

#include <cstdint>
#include <variant>

#include "core/rate_limit.h"

namespace sluice::core {

struct TokenBucketState {
  Status status = Status::kUnderLimit;  // sticky OVER_LIMIT, as Gubernator
  int64_t limit = 0;
  int64_t duration = 0;
  int64_t remaining = 0;
  int64_t created_at = 0;

  bool operator==(const TokenBucketState&) const = default;
};

struct LeakyBucketState {
  int64_t limit = 0;
  int64_t duration = 0;
  double remaining = 0;  // fractional leaks accumulate, as Gubernator
  int64_t updated_at = 0;
  int64_t burst = 0;

  bool operator==(const LeakyBucketState&) const = default;
};

struct FixedWindowState {
  int64_t limit = 0;
  int64_t window_start = 0;  // epoch ms, aligned to the window length
  int64_t count = 0;         // admitted hits in this window

  bool operator==(const FixedWindowState&) const = default;
};

struct SlidingWindowState {
  int64_t limit = 0;
  int64_t duration = 0;      // window length, ms; a change starts the counts afresh
  int64_t window_start = 0;  // epoch ms of the current window, aligned to `duration`
  int64_t current = 0;       // admitted hits in the current window
  int64_t previous = 0;      // admitted hits in the window before it

  bool operator==(const SlidingWindowState&) const = default;
};

using BucketState =
    std::variant<TokenBucketState, LeakyBucketState, FixedWindowState, SlidingWindowState>;

struct BucketItem {
  BucketState state;
  // Epoch ms judged against the server clock: the entry is gone once expire_at < now.
  int64_t expire_at = 0;

  // Equal states: a decision that leaves its item equal changed nothing a Store must hear of.
  bool operator==(const BucketItem&) const = default;
};

}  // namespace sluice::core
