// StepPool: a fixed set of threads that runs one batch of independent tasks at a time — the
// fleet simulator's nodes within one simulated millisecond (fleet_sim.cc, Fleet::Step). Run
// hands out the task indexes of a batch one at a time to whichever thread is free (the caller's
// included) and returns when every task has run, so a batch is a barrier. Which thread ran a
// task is left to chance; callers keep results deterministic by writing each task's output to
// its own slot and reading the slots afterwards in index order.
//
// Thread safety: Run is called from one thread at a time (the owner's); `task` runs on the pool's
// threads and the caller's, concurrently for different indexes. Waiting — a worker for the next
// batch, Run for the workers to finish — spins for at most kSpin checks (tens of µs) before it
// sleeps on a CondVar: the simulator starts a batch every simulated ms, with only a short serial
// phase in between, and a sleeping thread's wake-up costs more than that on busy cores.
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"

namespace sluice::fleet {

class StepPool {
 public:
  // `threads` in all, the caller of Run included (so threads - 1 are started); at least 1.
  explicit StepPool(int threads);
  ~StepPool();
  StepPool(const StepPool&) = delete;
  StepPool& operator=(const StepPool&) = delete;

  // Runs task(k) for every k in [0, count) and returns when all have returned. With one thread,
  // or one task, runs them inline in index order.
  void Run(size_t count, absl::FunctionRef<void(size_t)> task);

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

 private:
  void Work();
  // Runs tasks of the current batch until none is left unclaimed.
  void Drain(absl::FunctionRef<void(size_t)> task, size_t count);

  static constexpr int kSpin = 4000;

  absl::Mutex mu_;
  absl::CondVar batch_started_;  // generation_ rose or stop_ was set: workers wake
  absl::CondVar batch_done_;     // working_ fell to 0: Run returns
  // The batch: set by Run before it bumps generation_, read by workers after they see the bump.
  const absl::FunctionRef<void(size_t)>* task_ ABSL_GUARDED_BY(mu_) = nullptr;
  size_t count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // Lock-free mirrors for spinning, each also read under mu_ before sleeping: generation_ as
  // stored last (a spinning worker then takes mu_ to read the batch), and the workers not done
  // with the current batch (the last one to finish takes mu_ to signal batch_done_).
  std::atomic<uint64_t> started_{0};
  std::atomic<size_t> working_{0};
  // The next unclaimed index of the current batch; claimed with fetch_add, no lock (the batch's
  // fields it indexes are published under mu_ before any thread claims).
  std::atomic<size_t> next_{0};
  std::vector<std::thread> workers_;
};

}  // namespace sluice::fleet
