// sluice::Clock: where an embedded limiter reads "now" (Unix epoch milliseconds, the unit of
// every Gubernator field). The limiter reads it once per request; tests pass a clock they step.
//
// Thread safety: NowMillis() may be called from any thread concurrently.
#pragma once

#include <cstdint>

namespace sluice {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
};

// The system's wall clock; stateless, one per process.
const Clock& SystemClock();

}  // namespace sluice
