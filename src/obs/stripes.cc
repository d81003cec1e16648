#include "obs/stripes.h"

namespace sluice::obs {

size_t NextStripe() {
  static std::atomic<size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) % kStripeCount;
}

StripedCells::StripedCells(size_t cells)
    : cells_(cells),
      words_per_stripe_((cells + kWordsPerLine - 1) / kWordsPerLine * kWordsPerLine),
      // std::atomic's default constructor value-initialises (C++20), so every word starts at 0.
      lines_(new Line[kStripeCount * words_per_stripe_ / kWordsPerLine]) {}

uint64_t StripedCells::Sum(size_t cell) const {
  uint64_t total = 0;
  for (size_t stripe = 0; stripe < kStripeCount; ++stripe) {
    total += Word(stripe, cell).load(std::memory_order_relaxed);
  }
  return total;
}

double StripedCells::SumDouble(size_t cell) const {
  double total = 0;
  for (size_t stripe = 0; stripe < kStripeCount; ++stripe) {
    total += std::bit_cast<double>(Word(stripe, cell).load(std::memory_order_relaxed));
  }
  return total;
}

}  // namespace sluice::obs
