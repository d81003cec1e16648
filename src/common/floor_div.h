// FloorDiv: integer division rounding toward negative infinity (C++ `/` rounds toward zero), so
// a negative timestamp falls in the window that starts before it. Pure function.
#pragma once

#include <cstdint>

namespace sluice::common {

// a / b rounded down. Precondition: b != 0.
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace sluice::common
