// StripedCells: a small array of uint64 "cells" replicated across kStripeCount cache-line
// aligned stripes, so that threads bumping the same metric rarely touch the same cache line.
// A thread writes only to its own stripe (picked once per thread, round-robin); readers sum
// every stripe. This is the storage behind Counter, Histogram and Summary.
//
// Thread safety: Add/AddDouble/Sum/SumDouble may be called from any thread concurrently.
// Writes are relaxed atomic read-modify-writes: no locks, no allocation. A Sum taken while
// writers are running sees some prefix of each stripe's updates; once writers have been
// joined (or otherwise synchronised with the reader) sums are exact.
//
// Invariants: a cell is used either as an integer (Add/Sum) or as the bits of a double
// (AddDouble/SumDouble), never both. Every cell starts at zero (0.0 for double cells).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace sluice::obs {

// Stripes per metric. Threads beyond this count share stripes (still correct, more contention).
inline constexpr size_t kStripeCount = 16;
inline constexpr size_t kCacheLineBytes = 64;

// Picks the next stripe round-robin; called once per thread by ThisThreadStripe().
size_t NextStripe();

// The stripe the calling thread writes to; fixed for the thread's lifetime.
inline size_t ThisThreadStripe() {
  thread_local const size_t stripe = NextStripe();
  return stripe;
}

class StripedCells {
 public:
  // Precondition: cells > 0.
  explicit StripedCells(size_t cells);
  StripedCells(const StripedCells&) = delete;
  StripedCells& operator=(const StripedCells&) = delete;

  size_t cells() const { return cells_; }

  // cell += n on the calling thread's stripe. Precondition: cell < cells().
  void Add(size_t cell, uint64_t n) {
    Word(ThisThreadStripe(), cell).fetch_add(n, std::memory_order_relaxed);
  }

  // cell += value, treating the cell's bits as a double. Lock-free (a CAS loop that only
  // contends with other threads sharing the stripe). Precondition: cell < cells().
  void AddDouble(size_t cell, double value) {
    std::atomic<uint64_t>& word = Word(ThisThreadStripe(), cell);
    uint64_t old_bits = word.load(std::memory_order_relaxed);
    while (!word.compare_exchange_weak(
        old_bits, std::bit_cast<uint64_t>(std::bit_cast<double>(old_bits) + value),
        std::memory_order_relaxed)) {
    }
  }

  // Sum of the cell over all stripes.
  uint64_t Sum(size_t cell) const;
  double SumDouble(size_t cell) const;

 private:
  static constexpr size_t kWordsPerLine = kCacheLineBytes / sizeof(uint64_t);
  struct alignas(kCacheLineBytes) Line {
    std::atomic<uint64_t> words[kWordsPerLine];
  };

  std::atomic<uint64_t>& Word(size_t stripe, size_t cell) const {
    const size_t index = stripe * words_per_stripe_ + cell;
    return lines_[index / kWordsPerLine].words[index % kWordsPerLine];
  }

  size_t cells_;
  size_t words_per_stripe_;  // cells_ rounded up to a whole number of cache lines
  std::unique_ptr<Line[]> lines_;
};

}  // namespace sluice::obs
