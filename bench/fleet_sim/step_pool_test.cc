#include "step_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace sluice::fleet {
namespace {

// Every index of every batch runs exactly once, and all of a batch has run when Run returns
// (the next batch checks the previous one's results, as the simulator's serial phase does).
void RunsEachIndexOncePerBatch(int threads) {
  StepPool pool(threads);
  EXPECT_EQ(pool.threads(), threads);
  constexpr size_t kTasks = 257;
  std::vector<std::atomic<int>> runs(kTasks);
  for (int batch = 1; batch <= 200; ++batch) {
    const size_t count = batch % 7 == 0 ? 1 : kTasks;  // some one-task batches (run inline)
    pool.Run(count, [&](size_t k) { runs[k].fetch_add(1, std::memory_order_relaxed); });
    for (size_t k = 0; k < kTasks; ++k) {
      const int expected = k == 0 ? batch : batch - batch / 7;
      ASSERT_EQ(runs[k].load(), expected) << "threads " << threads << " batch " << batch << " k " << k;
    }
  }
}

TEST(StepPool, OneThreadRunsEachIndexOncePerBatch) { RunsEachIndexOncePerBatch(1); }
TEST(StepPool, TwoThreadsRunEachIndexOncePerBatch) { RunsEachIndexOncePerBatch(2); }
TEST(StepPool, FiveThreadsRunEachIndexOncePerBatch) { RunsEachIndexOncePerBatch(5); }

TEST(StepPool, OneThreadRunsInIndexOrderOnTheCaller) {
  StepPool pool(1);
  std::vector<size_t> order;
  pool.Run(5, [&](size_t k) { order.push_back(k); });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

TEST(StepPool, AnEmptyBatchReturnsAndTheThreadCountIsAtLeastOne) {
  StepPool pool(0);
  EXPECT_EQ(pool.threads(), 1);
  StepPool two(2);
  int runs = 0;
  two.Run(0, [&](size_t) { ++runs; });
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace sluice::fleet
