// SlotIndex: one store shard's hash index, from a key's 32-bit hash to the slab slot holding the
// entry. Open addressing with linear probing over one array of (hash, slot) pairs, so a lookup
// touches one cache line of index before it reaches the entry (a table keeping control bytes and
// slots in separate arrays touches two). The stored hash filters candidates: the caller's key
// comparison runs only on a full 32-bit hash match. Deletion shifts later entries back (no
// tombstones), so probe sequences stay short under churn. The table doubles at 3/4 load.
//
// Thread safety: none; the owning shard's lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::core {

class SlotIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  SlotIndex();

  // The first slot with this hash for which `matches(slot)` is true, or kNone.
  template <typename Matches>
  uint32_t Find(uint32_t hash, const Matches& matches) const {
    const size_t mask = buckets_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Bucket& b = buckets_[i];
      if (b.slot == kNone) return kNone;
      if (b.hash == hash && matches(b.slot)) return b.slot;
    }
  }

  // Adds `slot` under `hash`. Precondition: `slot` is not in the index.
  void Insert(uint32_t hash, uint32_t slot);

  // Removes `slot`, which was inserted under `hash`. Returns false if it is not there.
  bool Erase(uint32_t hash, uint32_t slot);

  size_t size() const { return size_; }
  // Bytes held by the table (for memory accounting).
  size_t bytes() const { return buckets_.capacity() * sizeof(Bucket); }

 private:
  struct Bucket {
    uint32_t hash = 0;
    uint32_t slot = kNone;  // kNone: empty
  };

  void Place(uint32_t hash, uint32_t slot);
  void Grow();

  std::vector<Bucket> buckets_;  // size is a power of two
  size_t size_ = 0;
};

}  // namespace sluice::core
