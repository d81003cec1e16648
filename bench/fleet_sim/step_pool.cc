#include "step_pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sluice::fleet {
namespace {

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Spins until `done()`, at most `checks` times; returns done().
template <typename Done>
bool SpinUntil(int checks, Done done) {
  for (int i = 0; i < checks; ++i) {
    if (done()) return true;
    CpuRelax();
  }
  return done();
}

}  // namespace

StepPool::StepPool(int threads) {
  const int started = std::max(threads, 1) - 1;
  workers_.reserve(static_cast<size_t>(started));
  for (int i = 0; i < started; ++i) workers_.emplace_back([this] { Work(); });
}

StepPool::~StepPool() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    batch_started_.SignalAll();
  }
  for (std::thread& worker : workers_) worker.join();
}

void StepPool::Run(size_t count, absl::FunctionRef<void(size_t)> task) {
  if (workers_.empty() || count <= 1) {
    for (size_t k = 0; k < count; ++k) task(k);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    task_ = &task;
    count_ = count;
    next_.store(0, std::memory_order_relaxed);
    working_.store(workers_.size(), std::memory_order_relaxed);
    ++generation_;
    started_.store(generation_, std::memory_order_release);
    batch_started_.SignalAll();
  }
  Drain(task, count);
  // Every worker must have left the batch before the next one resets next_ (a late one would
  // otherwise claim an index of the new batch with the old task). Acquire: their tasks' writes.
  auto all_done = [this] { return working_.load(std::memory_order_acquire) == 0; };
  if (SpinUntil(kSpin, all_done)) return;
  absl::MutexLock lock(&mu_);
  while (!all_done()) batch_done_.Wait(&mu_);
}

void StepPool::Work() {
  uint64_t seen = 0;
  while (true) {
    const absl::FunctionRef<void(size_t)>* task = nullptr;
    size_t count = 0;
    SpinUntil(kSpin, [&] { return started_.load(std::memory_order_acquire) != seen; });
    {
      absl::MutexLock lock(&mu_);
      while (!stop_ && generation_ == seen) batch_started_.Wait(&mu_);
      if (stop_) return;
      seen = generation_;
      task = task_;
      count = count_;
    }
    Drain(*task, count);
    if (working_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Under mu_: Run either has not checked yet (and will see 0) or sleeps already.
      absl::MutexLock lock(&mu_);
      batch_done_.Signal();
    }
  }
}

void StepPool::Drain(absl::FunctionRef<void(size_t)> task, size_t count) {
  for (size_t k = next_.fetch_add(1, std::memory_order_relaxed); k < count;
       k = next_.fetch_add(1, std::memory_order_relaxed)) {
    task(k);
  }
}

}  // namespace sluice::fleet
