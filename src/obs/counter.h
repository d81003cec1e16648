// Counter: a monotonic total, bumped on the hot path and read at scrape time.
//
// Integer increments (Increment) are exact up to 2^64. Non-integer amounts (Add, e.g. seconds
// or bytes measured as a double) accumulate separately in floating point; Value() is the sum.
// Storage is striped (obs/stripes.h): bumping takes no lock, allocates nothing and costs one
// relaxed atomic add on a cache line mostly owned by the calling thread.
//
// Thread safety: every method may be called from any thread concurrently.
// Invariants: the total never decreases (negative or NaN amounts are ignored).
#pragma once

#include <cstdint>

#include "obs/stripes.h"

namespace sluice::obs {

class Counter {
 public:
  // The total split by how it was added; see Value().
  struct Reading {
    uint64_t integer = 0;  // sum of Increment() amounts, exact
    double real = 0;       // sum of Add() amounts
    double Total() const { return static_cast<double>(integer) + real; }
  };

  Counter() : cells_(kCells) {}
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment(uint64_t n = 1) { cells_.Add(kInteger, n); }

  // Adds a non-negative amount; negative amounts and NaN are ignored (a counter is monotonic).
  void Add(double amount) {
    if (amount > 0) cells_.AddDouble(kReal, amount);
  }

  Reading Read() const { return {cells_.Sum(kInteger), cells_.SumDouble(kReal)}; }
  double Value() const { return Read().Total(); }

 private:
  static constexpr size_t kInteger = 0;
  static constexpr size_t kReal = 1;
  static constexpr size_t kCells = 2;

  StripedCells cells_;
};

}  // namespace sluice::obs
