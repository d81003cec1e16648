#include "server/top_keys.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

KeyCount K(std::string key, uint64_t count, uint64_t error = 0) {
  return KeyCount{.key = std::move(key), .count = count, .error = error};
}

TEST(SpaceSavingTest, CountsExactlyWhileKeysFit) {
  SpaceSaving s(3);
  s.Add("a", 5);
  s.Add("b", 2);
  s.Add("a", 1);
  s.Add("c", 2);
  EXPECT_THAT(s.Top(10), ElementsAre(K("a", 6), K("b", 2), K("c", 2)));
  EXPECT_THAT(s.Top(1), ElementsAre(K("a", 6)));
}

TEST(SpaceSavingTest, ANewKeyTakesTheSmallestCounterOverWithItsCountAsError) {
  SpaceSaving s(2);
  s.Add("a", 10);
  s.Add("b", 3);
  s.Add("c", 1);  // evicts b (3): c = 3 + 1, error 3
  EXPECT_THAT(s.Top(10), ElementsAre(K("a", 10), K("c", 4, 3)));
  EXPECT_EQ(s.size(), 2u);
}

TEST(SpaceSavingTest, AHeavyHitterIsKeptAmongManyRareKeys) {
  SpaceSaving s(8);
  for (int i = 0; i < 1000; ++i) {
    s.Add("rare-" + std::to_string(i), 1);
    if (i % 4 == 0) s.Add("heavy", 1);  // 250 of 1250 hits: more than 1/8
  }
  const auto top = s.Top(1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].key, "heavy");
  EXPECT_GE(top[0].count, 250u);
  EXPECT_LE(top[0].count - top[0].error, 250u);
}

TEST(TopKeysTest, ReportsHitsAndRejectionsOfTheLastWindow) {
  TopKeys top({.capacity = 4, .shards = 2, .window = absl::Seconds(60)});
  const int64_t t0 = 1'000'000'020'000;  // 20 s into a half window
  top.Record("a", 3, false, t0);
  top.Record("b", 1, true, t0 + 1);
  top.Record("a", 2, true, t0 + 2);
  TopKeysReport r = top.Top(10, t0 + 3);
  EXPECT_THAT(r.hits, ElementsAre(K("a", 5), K("b", 1)));
  EXPECT_THAT(r.rejections, ElementsAre(K("a", 2), K("b", 1)));

  // In the next half window the previous one still counts...
  top.Record("c", 1, false, t0 + 30'000);
  r = top.Top(10, t0 + 30'000);
  EXPECT_THAT(r.hits, ElementsAre(K("a", 5), K("b", 1), K("c", 1)));
  // ... and one more half later it has aged out, for recording and idle shards alike.
  r = top.Top(10, t0 + 60'000);
  EXPECT_THAT(r.hits, ElementsAre(K("c", 1)));
  EXPECT_THAT(r.rejections, IsEmpty());
  r = top.Top(10, t0 + 90'000);
  EXPECT_THAT(r.hits, IsEmpty());
}

TEST(TopKeysTest, ConcurrentRecordersNeverWaitAndLoseOnlyCountedSamples) {
  TopKeys top({.capacity = 16, .shards = 4});
  const int64_t now = 1'000'000'000'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) top.Record("k" + std::to_string(i % 3), 1, i % 2 == 0, now);
    });
  }
  for (auto& t : threads) t.join();
  const TopKeysReport r = top.Top(3, now);
  uint64_t total = 0;
  for (const auto& k : r.hits) total += k.count;
  EXPECT_EQ(total + top.dropped(), 20'000u);
}

}  // namespace
}  // namespace sluice::server
