// Latency helpers: turn steady-clock readings into seconds and observe them.
//
// The registry and the metric types never read a clock. Callers either stamp times themselves
// and pass seconds (`histogram->Observe(SecondsBetween(start, end))`), or use ScopedTimer, the
// one place in obs/ that reads std::chrono::steady_clock.
//
// Thread safety: SecondsBetween is pure. A ScopedTimer belongs to one thread at a time; the
// Histogram and Summary it feeds may be shared freely.
#pragma once

#include <chrono>

#include "obs/histogram.h"
#include "obs/summary.h"

namespace sluice::obs {

using SteadyClock = std::chrono::steady_clock;

// end - start in seconds (negative if end is before start).
inline double SecondsBetween(SteadyClock::time_point start, SteadyClock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

// Observes the seconds from construction (or a caller-supplied start) to Stop() or
// destruction, once, into each of a histogram and a summary that is not null.
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram* histogram, Summary* summary = nullptr)
      : ScopedTimer(histogram, summary, SteadyClock::now()) {}
  ScopedTimer(Histogram* histogram, Summary* summary, SteadyClock::time_point start)
      : histogram_(histogram), summary_(summary), start_(start) {}
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;
  ~ScopedTimer() { Stop(); }

  // Observes now - start and returns it in seconds; later calls (and the destructor) observe
  // nothing and return 0.
  double Stop() {
    if (done_) return 0;
    done_ = true;
    const double seconds = SecondsBetween(start_, SteadyClock::now());
    if (histogram_ != nullptr) histogram_->Observe(seconds);
    if (summary_ != nullptr) summary_->Observe(seconds);
    return seconds;
  }

  // Nothing will be observed.
  void Cancel() { done_ = true; }

 private:
  Histogram* histogram_;
  Summary* summary_;
  SteadyClock::time_point start_;
  bool done_ = false;
};

}  // namespace sluice::obs
