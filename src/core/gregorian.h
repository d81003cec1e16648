// Calendar intervals for DURATION_IS_GREGORIAN (reference/gubernator.md §2.5).
//
// With that behavior a request's `duration` is an interval code instead of milliseconds. The
// interval is the calendar minute, hour, day, week, month or year containing `now`, in UTC.
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace sluice::core {

enum class GregorianInterval : int64_t {
  kMinutes = 0,
  kHours = 1,
  kDays = 2,
  kWeeks = 3,  // ISO weeks, Monday 00:00 UTC; Gubernator rejects this code, Sluice supports it
  kMonths = 4,
  kYears = 5,
};

// The error text Gubernator uses for an invalid code (the backticks are part of the string).
inline constexpr char kInvalidGregorianInterval[] =
    "behavior DURATION_IS_GREGORIAN is set; but `Duration` is not a valid gregorian interval";

// The last millisecond of the interval containing `now_ms`, e.g. 12:34:56.789 with kMinutes
// gives 12:34:59.999. Fails for codes outside 0..5.
absl::StatusOr<int64_t> GregorianExpiration(int64_t now_ms, int64_t code);

// The whole length in ms of the interval containing `now_ms` (a month is its real length).
absl::StatusOr<int64_t> GregorianLength(int64_t now_ms, int64_t code);

}  // namespace sluice::core
