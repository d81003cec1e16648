#include "mesh/counter_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sluice::mesh {
namespace {

const OriginId kSelf{"a", 1};
const OriginId kB{"b", 1};
const OriginId kC{"c", 1};
const WindowKey kWin{"n_k", 1000, 2000};

CounterTable::Options Opts(size_t max_windows = 100) {
  return CounterTable::Options{.self = kSelf, .max_windows = max_windows, .gc_grace_ms = 500};
}

struct Update {
  OriginId origin;
  WindowKey window;
  int64_t count;
  uint64_t version;
};

std::vector<std::pair<uint64_t, int64_t>> Slots(const CounterTable& t, const OriginId& o,
                                                const OriginHint& hint = {}) {
  std::vector<std::pair<uint64_t, int64_t>> out;
  t.VisitSince(
      o, 0,
      [&](const SlotView& s) {
        out.emplace_back(s.version, s.count);
        return true;
      },
      hint);
  return out;
}

TEST(CounterTableTest, ConsumeAdmitsWithinLimitAndRejectsWithoutCharging) {
  CounterTable t(Opts());
  auto r = t.Consume(kWin, 3, 5, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->admitted);
  EXPECT_EQ(r->total, 3);
  r = t.Consume(kWin, 3, 5, false);  // 6 > 5
  EXPECT_FALSE(r->admitted);
  EXPECT_EQ(r->total, 3);
  r = t.Consume(kWin, 2, 5, false);  // exactly 5
  EXPECT_TRUE(r->admitted);
  EXPECT_EQ(r->total, 5);
  EXPECT_EQ(t.Watermark(kSelf), 2u) << "one version per admitted change, none for rejects";
}

TEST(CounterTableTest, ReadsDoNotCreateWindows) {
  CounterTable t(Opts());
  auto r = t.Consume(kWin, 0, 5, false);
  EXPECT_TRUE(r->admitted);
  EXPECT_EQ(r->total, 0);
  EXPECT_EQ(t.windows(), 0u);
}

TEST(CounterTableTest, DrainRaisesOwnSlotToTheLimit) {
  CounterTable t(Opts());
  ASSERT_TRUE(t.Consume(kWin, 2, 5, false).ok());
  auto r = t.Consume(kWin, 10, 5, true);
  EXPECT_FALSE(r->admitted);
  EXPECT_EQ(r->total, 5);
}

TEST(CounterTableTest, HugeHitsDoNotOverflow) {
  CounterTable t(Opts());
  ASSERT_TRUE(t.Consume(kWin, 1, INT64_MAX, false).ok());
  auto r = t.Consume(kWin, INT64_MAX, INT64_MAX, false);
  EXPECT_FALSE(r->admitted);
  t.Merge(kB, kWin, INT64_MAX, 1, 1500);
  EXPECT_EQ(t.Total(kWin), INT64_MAX) << "saturates";
}

TEST(CounterTableTest, TotalSumsEveryOrigin) {
  CounterTable t(Opts());
  ASSERT_TRUE(t.Consume(kWin, 2, 100, false).ok());
  EXPECT_EQ(t.Merge(kB, kWin, 5, 1, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Merge(kC, kWin, 7, 3, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Total(kWin), 14);
  auto r = t.Consume(kWin, 87, 100, false);
  EXPECT_FALSE(r->admitted) << "14 + 87 > 100";
  EXPECT_TRUE(t.Consume(kWin, 86, 100, false)->admitted);
}

// The total is kept up to date slot change by slot change (not summed again each time): it must
// equal the capped sum of every slot less its baseline after any mix of merges, stale copies,
// local charges and a reset, with counts near the int64 maximum in some rounds.
TEST(CounterTableTest, TotalEqualsTheSumOfTheSlotsAfterEveryChange) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  struct ModelSlot {
    int64_t count = 0;
    uint64_t version = 0;
    int64_t baseline = 0;
  };
  const std::vector<OriginId> origins = {kB, kC, OriginId{"d", 1}, OriginId{"d", 2}};
  auto capped_add = [](int64_t a, int64_t b) { return a > kMax - b ? kMax : a + b; };
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    CounterTable t(Opts());
    std::map<OriginId, ModelSlot> model;
    ModelSlot own;
    for (int step = 0; step < 200; ++step) {
      const bool huge = round % 4 == 0;
      const int64_t grow = huge ? static_cast<int64_t>(rng() % (kMax / 8))
                                : 1 + static_cast<int64_t>(rng() % 5);
      auto expected_total = [&] {
        int64_t total = std::max<int64_t>(0, own.count - own.baseline);
        for (const auto& [origin, slot] : model) {
          total = capped_add(total, std::max<int64_t>(0, slot.count - slot.baseline));
        }
        return total;
      };
      const size_t pick = rng() % (origins.size() + 2);
      if (pick < origins.size()) {
        ModelSlot& slot = model[origins[pick]];
        slot.count = capped_add(slot.count, grow);
        ++slot.version;
        ASSERT_EQ(t.Merge(origins[pick], kWin, slot.count, slot.version, 1500),
                  MergeResult::kApplied);
        if (slot.version > 1) {
          ASSERT_EQ(t.Merge(origins[pick], kWin, slot.count / 2, slot.version - 1, 1500),
                    MergeResult::kUnchanged)
              << "a stale copy";
        }
      } else if (pick == origins.size()) {
        const int64_t hits = std::max<int64_t>(1, grow);
        const bool fits = hits <= kMax - expected_total();
        auto r = t.Consume(kWin, hits, kMax, false);
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->admitted, fits);
        if (fits) own.count = capped_add(own.count, hits);
      } else if (step == 100) {
        ASSERT_TRUE(t.Reset({&kWin, 1}).ok());
        for (auto& [origin, slot] : model) slot.baseline = slot.count;
        own.baseline = own.count;
      }
      ASSERT_EQ(t.Total(kWin), expected_total()) << "round " << round << " step " << step;
    }
  }
}

// An origin is known (Origins, a watermark) from its first merge, also after it was forgotten,
// though only the first update in a shard looks it up there.
TEST(CounterTableTest, AnOriginIsKnownAgainAfterItWasForgotten) {
  CounterTable t(Opts());
  ASSERT_EQ(t.Merge(kB, kWin, 1, 1, 1500), MergeResult::kApplied);
  ASSERT_EQ(t.Merge(kB, kWin, 2, 2, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Origins(), (std::vector<OriginId>{kSelf, kB}));
  ASSERT_EQ(t.Collect(2500), 1u);
  t.ForgetOrigin(kB);
  EXPECT_EQ(t.Origins(), (std::vector<OriginId>{kSelf}));
  const WindowKey next{kWin.key, 2000, 3000};
  ASSERT_EQ(t.Merge(kB, next, 1, 3, 2500), MergeResult::kApplied);
  EXPECT_EQ(t.Origins(), (std::vector<OriginId>{kSelf, kB}));
  EXPECT_TRUE(t.HasSlots(kB));
  EXPECT_EQ(Slots(t, kB), (std::vector<std::pair<uint64_t, int64_t>>{{3, 1}}));
}

TEST(CounterTableTest, MergeIsIdempotentAndKeepsTheMaximum) {
  CounterTable t(Opts());
  EXPECT_EQ(t.Merge(kB, kWin, 5, 2, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Merge(kB, kWin, 5, 2, 1500), MergeResult::kUnchanged) << "duplicate packet";
  EXPECT_EQ(t.Merge(kB, kWin, 3, 1, 1500), MergeResult::kUnchanged) << "stale packet";
  EXPECT_EQ(t.Total(kWin), 5);
  EXPECT_EQ(t.Merge(kB, kWin, 9, 4, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Total(kWin), 9);
  EXPECT_EQ(Slots(t, kB), (std::vector<std::pair<uint64_t, int64_t>>{{4, 9}}));
}

TEST(CounterTableTest, MergeOrderDoesNotMatter) {
  // The same updates (with duplicates) in many orders give the same totals.
  std::vector<Update> updates;
  for (uint64_t v = 1; v <= 6; ++v) {
    updates.push_back({kB, WindowKey{"k1", 1000, 2000}, static_cast<int64_t>(v), v});
    updates.push_back({kC, WindowKey{"k1", 1000, 2000}, static_cast<int64_t>(2 * v), v});
    updates.push_back({kC, WindowKey{"k2", 1000, 2000}, static_cast<int64_t>(v), v + 6});
  }
  updates.insert(updates.end(), updates.begin(), updates.begin() + 7);  // duplicates
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::shuffle(updates.begin(), updates.end(), rng);
    CounterTable t(Opts());
    for (const auto& u : updates) t.Merge(u.origin, u.window, u.count, u.version, 1500);
    EXPECT_EQ(t.Total(WindowKey{"k1", 1000, 2000}), 6 + 12);
    EXPECT_EQ(t.Total(WindowKey{"k2", 1000, 2000}), 6);
  }
}

TEST(CounterTableTest, OwnSlotIsNeverOverwrittenByPeers) {
  CounterTable t(Opts());
  ASSERT_TRUE(t.Consume(kWin, 4, 100, false).ok());
  EXPECT_EQ(t.Merge(kSelf, kWin, 50, 99, 1500), MergeResult::kOwn);
  EXPECT_EQ(t.Total(kWin), 4);
  t.AdvanceWatermark(kSelf, 0, 1000);
  EXPECT_EQ(t.Watermark(kSelf), 1u);
}

TEST(CounterTableTest, AnotherIncarnationOfTheSameNodeIsASeparateOrigin) {
  CounterTable t(Opts());
  const OriginId b_old{"b", 1};
  const OriginId b_new{"b", 2};
  t.Merge(b_old, kWin, 30, 10, 1500);
  t.Merge(b_new, kWin, 2, 1, 1500);  // the restarted node starts again from 1
  EXPECT_EQ(t.Total(kWin), 32) << "the old life still counts until its window ends";
}

TEST(CounterTableTest, RejectsInvalidUpdates) {
  CounterTable t(Opts());
  EXPECT_EQ(t.Merge(kB, WindowKey{"", 1000, 2000}, 1, 1, 1500), MergeResult::kInvalid);
  EXPECT_EQ(t.Merge(kB, WindowKey{std::string(300, 'x'), 1000, 2000}, 1, 1, 1500),
            MergeResult::kInvalid);
  EXPECT_EQ(t.Merge(kB, WindowKey{"k", 2000, 2000}, 1, 1, 1500), MergeResult::kInvalid);
  EXPECT_EQ(t.Merge(kB, kWin, -1, 1, 1500), MergeResult::kInvalid);
  EXPECT_EQ(t.Merge(kB, kWin, 1, 0, 1500), MergeResult::kInvalid);
  EXPECT_EQ(t.Merge(OriginId{"", 1}, kWin, 1, 1, 1500), MergeResult::kInvalid);
  EXPECT_EQ(t.Merge(kB, WindowKey{"k", 10'000'000, 10'001'000}, 1, 1, 1500), MergeResult::kInvalid)
      << "far in the future";
  EXPECT_EQ(t.windows(), 0u);
}

TEST(CounterTableTest, CollectDeletesEndedWindowsAfterGrace) {
  CounterTable t(Opts());
  ASSERT_TRUE(t.Consume(kWin, 1, 10, false).ok());
  ASSERT_TRUE(t.Consume(WindowKey{"n_k", 2000, 3000}, 1, 10, false).ok());
  t.Merge(kB, kWin, 3, 1, 1500);
  EXPECT_EQ(t.windows(), 2u);
  EXPECT_EQ(t.slots(), 3u);
  EXPECT_EQ(t.Collect(2499), 0u) << "within the grace";
  EXPECT_EQ(t.Collect(2500), 1u);
  EXPECT_EQ(t.windows(), 1u);
  EXPECT_EQ(t.slots(), 1u);
  EXPECT_EQ(t.Total(kWin), 0);
  EXPECT_FALSE(t.HasSlots(kB));
  EXPECT_TRUE(Slots(t, kB).empty());
  EXPECT_EQ(t.Merge(kB, kWin, 9, 2, 2500), MergeResult::kExpired) << "late packet";
  EXPECT_EQ(t.windows(), 1u);
  EXPECT_EQ(t.Collect(3500), 1u);
  EXPECT_EQ(t.windows(), 0u);
  EXPECT_EQ(t.slots(), 0u);
}

TEST(CounterTableTest, CapacityBoundsWindows) {
  CounterTable t(Opts(2));
  ASSERT_TRUE(t.Consume(WindowKey{"k1", 1000, 2000}, 1, 10, false).ok());
  EXPECT_EQ(t.Merge(kB, WindowKey{"k2", 1000, 2000}, 1, 1, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Merge(kB, WindowKey{"k3", 1000, 2000}, 1, 2, 1500), MergeResult::kFull);
  auto r = t.Consume(WindowKey{"k4", 1000, 2000}, 1, 10, false);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(t.Consume(WindowKey{"k1", 1000, 2000}, 1, 10, false).ok()) << "known windows";
  t.Collect(5000);
  EXPECT_TRUE(t.Consume(WindowKey{"k4", 5000, 6000}, 1, 10, false).ok());
}

TEST(CounterTableTest, VisitSinceWalksInVersionOrder) {
  CounterTable t(Opts());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(t.Consume(WindowKey{"k" + std::to_string(i), 1000, 2000}, 1, 10, false).ok());
  }
  ASSERT_TRUE(t.Consume(WindowKey{"k1", 1000, 2000}, 1, 10, false).ok());  // k1 now version 6
  std::vector<std::string> keys;
  t.VisitSince(kSelf, 2, [&](const SlotView& s) {
    keys.push_back(s.window.key);
    return true;
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"k2", "k3", "k4", "k1"}));
  keys.clear();
  t.VisitSince(kSelf, 0, [&](const SlotView& s) {
    keys.push_back(s.window.key);
    return keys.size() < 2;
  });
  EXPECT_EQ(keys.size(), 2u);
}

TEST(CounterTableTest, WatermarkAdvancesOnlyOverContiguousRanges) {
  CounterTable t(Opts());
  t.AdvanceWatermark(kB, 10, 20);
  EXPECT_EQ(t.Watermark(kB), 0u) << "(10, 20] does not follow 0: a packet was lost";
  t.AdvanceWatermark(kB, 0, 10);
  EXPECT_EQ(t.Watermark(kB), 10u);
  t.AdvanceWatermark(kB, 10, 20);
  EXPECT_EQ(t.Watermark(kB), 20u);
  t.AdvanceWatermark(kB, 5, 15);
  EXPECT_EQ(t.Watermark(kB), 20u) << "never goes back";
}

TEST(CounterTableTest, MergeRangeIsMergeThenAdvanceWatermark) {
  // The same updates through MergeRange and through Merge + AdvanceWatermark one by one: the
  // same results, totals, slots and watermarks.
  CounterTable batched(Opts());
  CounterTable single(Opts());
  const WindowKey other{"n_j", 1000, 2000};
  const std::vector<std::optional<SlotUpdate>> updates = {
      SlotUpdate{.window = kWin, .count = 3, .version = 1},
      std::nullopt,  // malformed on the wire
      SlotUpdate{.window = other, .count = 2, .version = 2},
      SlotUpdate{.window = WindowKey{"n_k", 0, 100}, .count = 1, .version = 3},  // expired
      SlotUpdate{.window = kWin, .count = 1, .version = 1}};                   // stale
  std::vector<MergeResult> results;
  EXPECT_EQ(batched.MergeRange(kB, updates, 0, 3, 1500,
                               [&](MergeResult r) { results.push_back(r); }),
            0u)
      << "the watermark before";
  std::vector<MergeResult> expected;
  for (const auto& update : updates) {
    expected.push_back(update ? single.Merge(kB, *update, 1500) : MergeResult::kInvalid);
  }
  single.AdvanceWatermark(kB, 0, 3);
  EXPECT_EQ(results, expected);
  EXPECT_EQ(results, (std::vector<MergeResult>{MergeResult::kApplied, MergeResult::kInvalid,
                                               MergeResult::kApplied, MergeResult::kExpired,
                                               MergeResult::kUnchanged}));
  EXPECT_EQ(batched.Watermark(kB), 3u);
  EXPECT_EQ(batched.Total(kWin), single.Total(kWin));
  EXPECT_EQ(batched.Total(other), single.Total(other));
  EXPECT_EQ(Slots(batched, kB), Slots(single, kB));
  // A range that does not follow the watermark is merged but not marked delivered.
  EXPECT_EQ(batched.MergeRange(kB, {SlotUpdate{.window = kWin, .count = 9, .version = 7}}, 5, 7,
                               1500, [](MergeResult) {}),
            3u);
  EXPECT_EQ(batched.Watermark(kB), 3u);
  EXPECT_EQ(batched.Total(kWin), 9);
}

TEST(CounterTableTest, MergeRangeLeavesARangeWithARefusedSlotUndelivered) {
  CounterTable t(Opts(/*max_windows=*/1));
  const std::vector<std::optional<SlotUpdate>> updates = {
      SlotUpdate{.window = kWin, .count = 1, .version = 1},
      SlotUpdate{.window = WindowKey{"n_other", 1000, 2000}, .count = 1, .version = 2}};
  std::vector<MergeResult> results;
  t.MergeRange(kC, updates, 0, 2, 1500, [&](MergeResult r) { results.push_back(r); });
  EXPECT_EQ(results, (std::vector<MergeResult>{MergeResult::kApplied, MergeResult::kFull}));
  EXPECT_EQ(t.Watermark(kC), 0u) << "the refused slot must be offered again";
  t.MergeRange(kSelf, updates, 0, 2, 1500, [&](MergeResult r) {
    EXPECT_EQ(r, MergeResult::kOwn);
  });
  EXPECT_EQ(t.Watermark(kSelf), 0u) << "this node's own versions are its own";
}

TEST(CounterTableTest, AHintSkipsTheLookupUntilAnOriginIsForgotten) {
  // The engine keeps one hint per member: the same results as without it, and a hint filled
  // before an origin was forgotten is not followed to the forgotten record.
  CounterTable t(Opts());
  OriginHint hint;
  auto one = [](int64_t count, uint64_t version) {
    return std::vector<std::optional<SlotUpdate>>{
        SlotUpdate{.window = kWin, .count = count, .version = version}};
  };
  t.MergeRange(kB, hint, one(1, 1), 0, 1, 1500, [](MergeResult) {});
  ASSERT_NE(hint.record, nullptr) << "filled once the origin is known";
  std::vector<MergeResult> results;
  EXPECT_EQ(t.MergeRange(kB, hint, one(2, 2), 1, 2, 1500,
                         [&](MergeResult r) { results.push_back(r); }),
            1u);
  EXPECT_EQ(results, std::vector<MergeResult>{MergeResult::kApplied});
  EXPECT_EQ(t.Watermark(kB), 2u);
  EXPECT_EQ(t.Total(kWin), 2);

  // kB's window ends and kB is forgotten; kC is then learned (it may reuse kB's memory).
  t.Collect(10'000);
  t.ForgetOrigin(kB);
  ASSERT_EQ(t.Watermark(kB), 0u);
  const WindowKey later{"n_k", 10'000, 11'000};
  t.Merge(kC, later, 5, 1, 10'500);
  t.AdvanceWatermark(kC, 0, 1);
  // The stale hint is not followed: kB starts afresh and kC is untouched.
  EXPECT_EQ(t.MergeRange(kB, hint,
                         {SlotUpdate{.window = later, .count = 3, .version = 7}}, 0, 7, 10'500,
                         [](MergeResult) {}),
            0u);
  EXPECT_EQ(t.Watermark(kB), 7u);
  EXPECT_EQ(t.Watermark(kC), 1u);
  EXPECT_EQ(t.Total(later), 8);
  EXPECT_EQ(Slots(t, kC).size(), 1u);

  // This node's own updates are never merged, hint or not, and fill no hint.
  OriginHint own;
  t.MergeRange(kSelf, own, one(1, 1), 0, 1, 1500,
               [](MergeResult r) { EXPECT_EQ(r, MergeResult::kOwn); });
  EXPECT_EQ(own.record, nullptr);
}

TEST(CounterTableTest, AHintServesWatermarkAndVisitSinceUntilAnOriginIsForgotten) {
  CounterTable t(Opts());
  OriginHint hint;
  const WindowKey other{"n_other", 1000, 2000};
  t.MergeRange(kB, hint,
               {SlotUpdate{.window = kWin, .count = 2, .version = 3},
                SlotUpdate{.window = other, .count = 1, .version = 5}},
               0, 5, 1500, [](MergeResult) {});
  ASSERT_NE(hint.record, nullptr);
  EXPECT_EQ(t.Watermark(kB, hint), 5u);
  EXPECT_EQ(Slots(t, kB, hint), Slots(t, kB));
  EXPECT_EQ(Slots(t, kB, hint).size(), 2u);

  // Forgotten, and kC learned in its place: the stale hint reads kB as unknown, not kC.
  t.Collect(10'000);
  t.ForgetOrigin(kB);
  const WindowKey later{"n_k", 10'000, 11'000};
  t.Merge(kC, later, 4, 2, 10'500);
  t.AdvanceWatermark(kC, 0, 2);
  EXPECT_EQ(t.Watermark(kB, hint), 0u);
  EXPECT_TRUE(Slots(t, kB, hint).empty());
  EXPECT_EQ(t.Watermark(kC), 2u);

  // An empty hint is the plain lookup, this node included.
  ASSERT_TRUE(t.Consume(kWin, 1, 10, false).ok());
  EXPECT_EQ(t.Watermark(kSelf, OriginHint{}), t.Watermark(kSelf));
  EXPECT_GT(t.Watermark(kSelf), 0u);
}

TEST(CounterTableTest, VisitSinceAboveTheHighestVersionVisitsNothing) {
  CounterTable t(Opts());
  t.Merge(kB, kWin, 1, 4, 1500);
  t.Merge(kB, WindowKey{"n_j", 1000, 2000}, 1, 9, 1500);
  std::vector<uint64_t> versions;
  auto visit = [&](const SlotView& s) {
    versions.push_back(s.version);
    return true;
  };
  EXPECT_EQ(t.VisitSince(kB, 9, visit), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(versions.empty());
  t.VisitSince(kB, 8, visit);
  EXPECT_EQ(versions, (std::vector<uint64_t>{9}));
  ASSERT_TRUE(t.Consume(kWin, 1, 10, false).ok());  // this node's version 1
  versions.clear();
  EXPECT_EQ(t.VisitSince(kSelf, 1, visit), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(versions.empty());
  t.VisitSince(kSelf, 0, visit);
  EXPECT_EQ(versions, (std::vector<uint64_t>{1}));
}

TEST(CounterTableTest, ForgetOriginOnlyWithoutSlots) {
  CounterTable t(Opts());
  t.Merge(kB, kWin, 1, 1, 1500);
  t.AdvanceWatermark(kB, 0, 1);
  t.ForgetOrigin(kB);
  EXPECT_EQ(t.Watermark(kB), 1u);
  t.Collect(10'000);
  t.ForgetOrigin(kB);
  EXPECT_EQ(t.Watermark(kB), 0u);
  t.ForgetOrigin(kSelf);
  EXPECT_EQ(t.Origins(), (std::vector<OriginId>{kSelf}));
}

TEST(CounterTableTest, VisitSinceIsCompleteUpToWhatItReturnsWhenShardsAreCut) {
  // More slots than one call visits per shard: the caller learns how far the visit vouches,
  // and visiting again from there reaches every slot, each version exactly once.
  const size_t n = CounterTable::kShards * CounterTable::kVisitBatch * 2;
  CounterTable t(Opts(n));
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(t.Consume(WindowKey{"k" + std::to_string(i), 1000, 2000}, 1, 10, false).ok());
  }
  std::vector<uint64_t> versions;
  uint64_t since = 0;
  int calls = 0;
  while (since < t.Watermark(kSelf) && calls++ < 100) {
    uint64_t last = since;
    const uint64_t offered = t.VisitSince(kSelf, since, [&](const SlotView& s) {
      versions.push_back(s.version);
      last = s.version;
      return true;
    });
    ASSERT_GE(offered, last) << "everything visited is vouched for";
    since = std::min(offered, t.Watermark(kSelf));
  }
  ASSERT_EQ(versions.size(), n);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(versions[i], i + 1);
  EXPECT_GT(calls, 1) << "the first call was cut";
}

TEST(CounterTableTest, ConcurrentDecisionsAndGossipLoseNoVersion) {
  // Deciding threads on many keys while a "gossip" thread collects and streams this node's
  // changes the way a push does (Watermark, then VisitSince from the last one): the streamed
  // slots must end at every window's real count, so no version is ever skipped.
  CounterTable t(Opts(100'000));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::atomic<bool> done{false};
  std::map<std::string, int64_t> streamed;
  std::thread gossip([&] {
    uint64_t pushed = 0;
    auto pump = [&] {
      const uint64_t watermark = t.Watermark(kSelf);
      const uint64_t offered = t.VisitSince(kSelf, pushed, [&](const SlotView& s) {
        int64_t& count = streamed[s.window.key];
        count = std::max(count, s.count);
        return true;
      });
      // Complete only up to the watermark read before the visit: a version above it may
      // belong to a decision still in progress on a shard visited earlier (as DeltaWriter).
      pushed = std::max(pushed, std::min(watermark, offered));
      t.Collect(0);  // nothing ends: exercises the shard walk only
    };
    while (!done.load()) pump();
    pump();
    pump();
  });
  std::vector<std::thread> deciders;
  for (int d = 0; d < kThreads; ++d) {
    deciders.emplace_back([&t, d] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "k" + std::to_string((i * 7 + d) % 500);
        ASSERT_TRUE(t.Consume(WindowKey{key, 1000, 2000}, 1, 1'000'000, false).ok());
      }
    });
  }
  for (auto& thread : deciders) thread.join();
  done = true;
  gossip.join();
  int64_t total = 0;
  for (const auto& [key, count] : streamed) {
    EXPECT_EQ(count, t.Total(WindowKey{key, 1000, 2000})) << key;
    total += count;
  }
  EXPECT_EQ(total, kThreads * kPerThread);
  EXPECT_EQ(t.Watermark(kSelf), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(t.windows(), 500u);
}

TEST(CounterTableTest, AKeysWindowHoldsAtMostMaxSlotsOfOtherNodes) {
  CounterTable::Options options = Opts();
  options.max_slots_per_key = 2;
  CounterTable t(options);
  ASSERT_TRUE(t.Consume(kWin, 1, 100, false).ok());  // this node's own slot never counts
  EXPECT_EQ(t.Merge(kB, kWin, 1, 1, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Merge(kC, kWin, 1, 1, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Merge(OriginId{"d", 1}, kWin, 1, 1, 1500), MergeResult::kKeyFull);
  EXPECT_EQ(t.Merge(kB, kWin, 5, 2, 1500), MergeResult::kApplied) << "known slots still grow";
  EXPECT_EQ(t.Total(kWin), 1 + 5 + 1);
  EXPECT_EQ(t.slots(), 3u);
  EXPECT_FALSE(t.HasSlots(OriginId{"d", 1})) << "a refused origin leaves nothing behind";
  EXPECT_EQ(t.Merge(OriginId{"d", 1}, WindowKey{"n_other", 1000, 2000}, 1, 1, 1500),
            MergeResult::kApplied)
      << "per key, not per table";
}

// Every update `origin` has in `t` (slots and baselines), as a peer would receive them.
std::vector<std::pair<OriginId, SlotUpdate>> Stream(const CounterTable& t, const OriginId& origin) {
  std::vector<std::pair<OriginId, SlotUpdate>> out;
  t.VisitSince(origin, 0, [&](const SlotView& s) {
    std::optional<OriginId> of;
    if (s.baseline_of != nullptr) of = *s.baseline_of;
    out.push_back({origin, SlotUpdate{s.window, s.count, s.version, of}});
    return true;
  });
  return out;
}

TEST(CounterTableResetTest, ClearsEverySlotItKnowsAndCountsWhatFollows) {
  CounterTable t(Opts());
  ASSERT_TRUE(t.Consume(kWin, 3, 100, false).ok());
  ASSERT_EQ(t.Merge(kB, kWin, 4, 1, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Total(kWin), 7);
  const uint64_t before = t.Watermark(kSelf);
  auto raised = t.Reset({&kWin, 1});
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(*raised, 2u) << "one baseline per slot: this node's and b's";
  EXPECT_EQ(t.Watermark(kSelf), before + 2) << "each baseline is versioned by this node";
  EXPECT_EQ(t.Total(kWin), 0);
  EXPECT_EQ(t.Consume(kWin, 2, 100, false)->total, 2) << "this node's new hits count";
  EXPECT_EQ(t.Merge(kB, kWin, 5, 2, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Total(kWin), 3) << "and b's one hit after what was cleared";
  EXPECT_EQ(*t.Reset({&kWin, 1}), 2u);
  EXPECT_EQ(t.Total(kWin), 0);
  const uint64_t after = t.Watermark(kSelf);
  EXPECT_EQ(*t.Reset({&kWin, 1}), 0u) << "nothing new to clear: no new version";
  EXPECT_EQ(t.Watermark(kSelf), after);
  const WindowKey untracked{"n_other", 1000, 2000};
  EXPECT_EQ(*t.Reset({&untracked, 1}), 0u);
  EXPECT_EQ(t.windows(), 1u) << "a reset creates no window";
}

TEST(CounterTableResetTest, AStaleSlotArrivingAfterTheResetDoesNotResurrect) {
  CounterTable t(Opts());
  ASSERT_EQ(t.Merge(kB, kWin, 4, 2, 1500), MergeResult::kApplied);
  ASSERT_TRUE(t.Reset({&kWin, 1}).ok());
  EXPECT_EQ(t.Merge(kB, kWin, 3, 1, 1500), MergeResult::kUnchanged);
  EXPECT_EQ(t.Merge(kB, kWin, 4, 2, 1500), MergeResult::kUnchanged);
  EXPECT_EQ(t.Total(kWin), 0);
}

TEST(CounterTableResetTest, ABaselineArrivingBeforeItsSlotClearsOnlyWhatItCovers) {
  CounterTable t(Opts());
  // c reset b's slot at 4; b's own slot (now 6) has not reached this node yet.
  EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 4, 1, kB}, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Total(kWin), 0);
  EXPECT_EQ(t.Merge(kB, kWin, 6, 3, 1500), MergeResult::kApplied);
  EXPECT_EQ(t.Total(kWin), 2);
  EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 4, 1, kB}, 1500), MergeResult::kUnchanged) << "duplicate";
  EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 0, 1, std::nullopt}, 1500), MergeResult::kApplied)
      << "c's own (empty) slot is another update of c";
  EXPECT_EQ(t.Total(kWin), 2);
  EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 1, 2, OriginId{"", 1}}, 1500), MergeResult::kInvalid);
  EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 1, 2, kSelf}, 1500), MergeResult::kApplied)
      << "a baseline of this node's slot, set elsewhere, is merged like any";
}

// Two nodes reset the same window concurrently while hits keep arriving; every receiver that
// gets all of the updates, in any order and with duplicates, ends at the same total.
TEST(CounterTableResetTest, ResetsAndMergesInAnyOrderConverge) {
  CounterTable a(Opts());  // self = a
  CounterTable b(CounterTable::Options{.self = kB, .max_windows = 100, .gc_grace_ms = 500});
  ASSERT_TRUE(a.Consume(kWin, 3, 100, false).ok());
  ASSERT_TRUE(b.Consume(kWin, 5, 100, false).ok());
  for (const auto& [origin, u] : Stream(b, kB)) a.Merge(origin, u, 1500);
  ASSERT_TRUE(a.Reset({&kWin, 1}).ok());  // a clears a:3 and b:5
  ASSERT_TRUE(b.Consume(kWin, 2, 100, false).ok());  // b:7, unseen by a
  ASSERT_TRUE(b.Reset({&kWin, 1}).ok());  // b clears b:7 only (it does not know a's slot)
  ASSERT_TRUE(a.Consume(kWin, 1, 100, false).ok());  // a:4
  ASSERT_TRUE(b.Consume(kWin, 1, 100, false).ok());  // b:8
  std::vector<std::pair<OriginId, SlotUpdate>> updates = Stream(a, kSelf);
  for (auto& u : Stream(b, kB)) updates.push_back(std::move(u));
  updates.insert(updates.end(), updates.begin(), updates.begin() + 3);  // duplicates
  // a's slot above a's baseline (4 − 3) plus b's above b's own baseline (8 − 7).
  constexpr int64_t kExpected = 2;
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::shuffle(updates.begin(), updates.end(), rng);
    CounterTable c(CounterTable::Options{.self = kC, .max_windows = 100, .gc_grace_ms = 500});
    for (const auto& [origin, u] : updates) c.Merge(origin, u, 1500);
    ASSERT_EQ(c.Total(kWin), kExpected) << "round " << round;
  }
  for (const auto& [origin, u] : updates) {
    if (origin == kB) a.Merge(origin, u, 1500);
    if (origin == kSelf) b.Merge(origin, u, 1500);
  }
  EXPECT_EQ(a.Total(kWin), kExpected);
  EXPECT_EQ(b.Total(kWin), kExpected);
}

TEST(CounterTableResetTest, BaselinesTravelInVersionOrderAndAreCollectedWithTheWindow) {
  CounterTable t(Opts());
  ASSERT_TRUE(t.Consume(kWin, 3, 100, false).ok());          // version 1
  ASSERT_EQ(t.Merge(kB, kWin, 4, 1, 1500), MergeResult::kApplied);
  ASSERT_TRUE(t.Reset({&kWin, 1}).ok());                     // versions 2, 3
  ASSERT_EQ(t.Merge(kC, SlotUpdate{kWin, 9, 1, kB}, 1500), MergeResult::kApplied);
  const auto stream = Stream(t, kSelf);
  ASSERT_EQ(stream.size(), 3u);
  EXPECT_FALSE(stream[0].second.baseline_of.has_value());
  EXPECT_EQ(stream[1].second.version, 2u);
  EXPECT_EQ(stream[2].second.version, 3u);
  ASSERT_TRUE(stream[1].second.baseline_of && stream[2].second.baseline_of);
  EXPECT_NE(*stream[1].second.baseline_of, *stream[2].second.baseline_of);
  EXPECT_EQ(Stream(t, kC).size(), 1u) << "c's baseline is relayed as c's update";
  EXPECT_TRUE(t.HasSlots(kC)) << "an origin with baselines is not forgotten";
  EXPECT_EQ(t.Collect(2500), 1u);
  EXPECT_EQ(t.windows(), 0u);
  EXPECT_TRUE(Stream(t, kSelf).empty());
  EXPECT_TRUE(Stream(t, kC).empty());
  EXPECT_FALSE(t.HasSlots(kC));
  EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 9, 2, kB}, 2500), MergeResult::kExpired);
}

TEST(CounterTableResetTest, AWindowHoldsABoundedNumberOfOtherNodesBaselines) {
  CounterTable::Options options = Opts();
  options.max_slots_per_key = 1;
  CounterTable t(options);
  const size_t cap = CounterTable::kMaxBaselinesFactor;
  for (size_t i = 0; i < cap; ++i) {
    EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 1, i + 1, OriginId{"n" + std::to_string(i), 1}}, 1500),
              MergeResult::kApplied);
  }
  EXPECT_EQ(t.Merge(kC, SlotUpdate{kWin, 1, cap + 1, OriginId{"over", 1}}, 1500),
            MergeResult::kKeyFull);
  ASSERT_TRUE(t.Consume(kWin, 1, 100, false).ok());
  EXPECT_EQ(*t.Reset({&kWin, 1}), 1u) << "this node's own baselines always fit";
  EXPECT_EQ(t.Total(kWin), 0);
}

}  // namespace
}  // namespace sluice::mesh
