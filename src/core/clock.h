// Clock: the one source of "now" for Sluice. Time is read once at the edge of a request and
// passed down as data; core, rules and cluster code never read a clock themselves.
//
// Thread safety: every implementation may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace sluice::core {

// Wall-clock time as Unix epoch milliseconds, the unit every Gubernator field uses.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
};

// The real wall clock (std::chrono::system_clock).
class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
  // A process-wide instance; SystemClock has no state.
  static SystemClock& Instance();
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_millis = 0) : now_(now_millis) {}
  int64_t NowMillis() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t now_millis) { now_.store(now_millis, std::memory_order_relaxed); }
  void Advance(int64_t millis) { now_.fetch_add(millis, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace sluice::core
