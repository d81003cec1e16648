#include "core/slot_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sluice::core {
namespace {

// Finds `slot` the way the store does: by hash, confirming the candidate.
uint32_t FindSlot(const SlotIndex& index, uint32_t hash, uint32_t slot) {
  return index.Find(hash, [slot](uint32_t candidate) { return candidate == slot; });
}

TEST(SlotIndexTest, FindsWhatWasInsertedAndNothingElse) {
  SlotIndex index;
  index.Insert(7, 1);
  index.Insert(9, 2);
  EXPECT_EQ(FindSlot(index, 7, 1), 1u);
  EXPECT_EQ(FindSlot(index, 9, 2), 2u);
  EXPECT_EQ(FindSlot(index, 8, 1), SlotIndex::kNone);
  EXPECT_EQ(index.size(), 2u);
}

TEST(SlotIndexTest, EqualHashesAreToldApartByTheCallersComparison) {
  SlotIndex index;
  for (uint32_t slot = 0; slot < 10; ++slot) index.Insert(42, slot);
  for (uint32_t slot = 0; slot < 10; ++slot) EXPECT_EQ(FindSlot(index, 42, slot), slot);
  EXPECT_TRUE(index.Erase(42, 3));
  EXPECT_EQ(FindSlot(index, 42, 3), SlotIndex::kNone);
  for (uint32_t slot = 0; slot < 10; ++slot) {
    if (slot != 3) {
      EXPECT_EQ(FindSlot(index, 42, slot), slot);
    }
  }
}

TEST(SlotIndexTest, EraseOfAnAbsentSlotChangesNothing) {
  SlotIndex index;
  index.Insert(5, 1);
  EXPECT_FALSE(index.Erase(5, 2));
  EXPECT_FALSE(index.Erase(6, 1));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(FindSlot(index, 5, 1), 1u);
}

TEST(SlotIndexTest, RunsThatWrapAroundTheEndSurviveErasure) {
  SlotIndex index;  // 16 buckets: hashes 14 and 15 start at the end and wrap to 0, 1, ...
  index.Insert(15, 1);
  index.Insert(15, 2);
  index.Insert(14, 3);
  index.Insert(0, 4);
  index.Insert(15, 5);
  EXPECT_TRUE(index.Erase(15, 1));
  EXPECT_TRUE(index.Erase(14, 3));
  EXPECT_EQ(FindSlot(index, 15, 2), 2u);
  EXPECT_EQ(FindSlot(index, 0, 4), 4u);
  EXPECT_EQ(FindSlot(index, 15, 5), 5u);
}

// Random inserts and erases against a model, with few distinct hash values so runs are long,
// collide and wrap, through several growths.
TEST(SlotIndexTest, MatchesAModelUnderRandomChurn) {
  // Few hashes make every operation walk a long run: fewer steps keep that quadratic case quick.
  for (auto [hash_range, steps] : {std::pair{8u, 2'000}, std::pair{64u, 5'000},
                                   std::pair{1u << 30, 20'000}}) {
    SlotIndex index;
    std::unordered_map<uint32_t, uint32_t> model;  // slot -> hash
    std::vector<uint32_t> live;
    std::mt19937 rng(hash_range);
    uint32_t next_slot = 0;
    for (int step = 0; step < steps; ++step) {
      if (live.empty() || rng() % 3 != 0) {
        const uint32_t hash = rng() % hash_range;
        index.Insert(hash, next_slot);
        model[next_slot] = hash;
        live.push_back(next_slot++);
      } else {
        const size_t pick = rng() % live.size();
        const uint32_t slot = live[pick];
        ASSERT_TRUE(index.Erase(model[slot], slot));
        model.erase(slot);
        live[pick] = live.back();
        live.pop_back();
      }
      if (step % 97 == 0) {
        for (const auto& [slot, hash] : model) ASSERT_EQ(FindSlot(index, hash, slot), slot);
      }
    }
    EXPECT_EQ(index.size(), model.size());
    for (const auto& [slot, hash] : model) EXPECT_EQ(FindSlot(index, hash, slot), slot);
    for (uint32_t gone = next_slot; gone < next_slot + 100; ++gone) {
      EXPECT_EQ(FindSlot(index, gone % hash_range, gone), SlotIndex::kNone);
    }
  }
}

}  // namespace
}  // namespace sluice::core
