#include "core/gregorian.h"

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "common/floor_div.h"

namespace sluice::core {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;

int64_t DayStartMs(sys_days d) {
  return std::chrono::duration_cast<milliseconds>(d.time_since_epoch()).count();
}

// [begin, end) of the interval containing now_ms, in epoch ms.
absl::StatusOr<std::pair<int64_t, int64_t>> Bounds(int64_t now_ms, int64_t code) {
  switch (static_cast<GregorianInterval>(code)) {
    case GregorianInterval::kMinutes: {
      int64_t begin = common::FloorDiv(now_ms, kMinuteMs) * kMinuteMs;
      return std::pair{begin, begin + kMinuteMs};
    }
    case GregorianInterval::kHours: {
      int64_t begin = common::FloorDiv(now_ms, kHourMs) * kHourMs;
      return std::pair{begin, begin + kHourMs};
    }
    case GregorianInterval::kDays: {
      int64_t begin = common::FloorDiv(now_ms, kDayMs) * kDayMs;
      return std::pair{begin, begin + kDayMs};
    }
    case GregorianInterval::kWeeks: {
      int64_t day = common::FloorDiv(now_ms, kDayMs);
      // 1970-01-01 was a Thursday: (day + 3) mod 7 is days since Monday.
      int64_t since_monday = ((day + 3) % 7 + 7) % 7;
      int64_t begin = (day - since_monday) * kDayMs;
      return std::pair{begin, begin + 7 * kDayMs};
    }
    case GregorianInterval::kMonths: {
      sys_days today{days{common::FloorDiv(now_ms, kDayMs)}};
      year_month_day ymd{today};
      auto first = ymd.year() / ymd.month() / std::chrono::day{1};
      auto next = first + std::chrono::months{1};
      return std::pair{DayStartMs(sys_days{first}), DayStartMs(sys_days{next})};
    }
    case GregorianInterval::kYears: {
      sys_days today{days{common::FloorDiv(now_ms, kDayMs)}};
      year_month_day ymd{today};
      auto first = ymd.year() / std::chrono::January / std::chrono::day{1};
      auto next = (ymd.year() + std::chrono::years{1}) / std::chrono::January / std::chrono::day{1};
      return std::pair{DayStartMs(sys_days{first}), DayStartMs(sys_days{next})};
    }
  }
  return absl::InvalidArgumentError(kInvalidGregorianInterval);
}

}  // namespace

absl::StatusOr<int64_t> GregorianExpiration(int64_t now_ms, int64_t code) {
  auto bounds = Bounds(now_ms, code);
  if (!bounds.ok()) return bounds.status();
  return bounds->second - 1;
}

absl::StatusOr<int64_t> GregorianLength(int64_t now_ms, int64_t code) {
  auto bounds = Bounds(now_ms, code);
  if (!bounds.ok()) return bounds.status();
  return bounds->second - bounds->first;
}

}  // namespace sluice::core
