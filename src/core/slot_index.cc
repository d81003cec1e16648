#include "core/slot_index.h"

#include <utility>

namespace sluice::core {

namespace {
constexpr size_t kInitialBuckets = 16;
}  // namespace

SlotIndex::SlotIndex() : buckets_(kInitialBuckets) {}

void SlotIndex::Insert(uint32_t hash, uint32_t slot) {
  if ((size_ + 1) * 4 > buckets_.size() * 3) Grow();
  Place(hash, slot);
  ++size_;
}

void SlotIndex::Place(uint32_t hash, uint32_t slot) {
  const size_t mask = buckets_.size() - 1;
  size_t i = hash & mask;
  while (buckets_[i].slot != kNone) i = (i + 1) & mask;
  buckets_[i] = Bucket{hash, slot};
}

bool SlotIndex::Erase(uint32_t hash, uint32_t slot) {
  const size_t mask = buckets_.size() - 1;
  size_t hole = hash & mask;
  for (;; hole = (hole + 1) & mask) {
    if (buckets_[hole].slot == kNone) return false;
    if (buckets_[hole].slot == slot) break;
  }
  // Backward shift: move each later bucket of the run into the hole unless its home position
  // lies cyclically in (hole, j], where moving it would put it before its home.
  for (size_t j = (hole + 1) & mask; buckets_[j].slot != kNone; j = (j + 1) & mask) {
    const size_t home = buckets_[j].hash & mask;
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      buckets_[hole] = buckets_[j];
      hole = j;
    }
  }
  buckets_[hole] = Bucket{};
  --size_;
  return true;
}

void SlotIndex::Grow() {
  std::vector<Bucket> old(buckets_.size() * 2);
  old.swap(buckets_);
  for (const Bucket& b : old) {
    if (b.slot != kNone) Place(b.hash, b.slot);
  }
}

}  // namespace sluice::core
