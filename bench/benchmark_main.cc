// The main of the Google Benchmark binaries (core_bench, counter_table_bench): as
// src/server/main.cc and fleet_sim, Debian's abseil would otherwise track every lock for
// deadlocks, which costs most where locks nest (a table merge holds the origins' lock and a
// shard's) and would be measured instead of the code.
#include <benchmark/benchmark.h>

#include "absl/synchronization/mutex.h"

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
