// Bytes of memory per tracked key: RSS before and after inserting N keys into the Store.
// Run: build/release/bench/store_memory [N]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/limiter.h"
#include "core/store.h"

namespace {

long RssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  using namespace sluice::core;
  // Keys are built before measuring so only the store's own memory is counted.
  std::string prefix = "requests_per_sec_account:";
  long before = RssBytes();
  Store store(StoreOptions{.capacity = static_cast<size_t>(n)});
  Limiter limiter(store);
  RateLimitRequest req;
  req.hits = 1;
  req.limit = 100;
  req.duration = 3'600'000;
  req.created_at = 1'700'000'000'000;
  std::string key;
  size_t key_bytes = 0;
  for (long i = 0; i < n; ++i) {
    key = prefix + std::to_string(i);
    key_bytes += key.size();
    limiter.Check(req, key, req.created_at);
  }
  long after = RssBytes();
  double per_key = static_cast<double>(after - before) / static_cast<double>(n);
  double avg_key = static_cast<double>(key_bytes) / static_cast<double>(n);
  std::printf("keys=%ld size=%zu rss_delta=%.1f MiB bytes_per_key=%.1f avg_key_len=%.1f "
              "bytes_per_key_minus_key=%.1f\n",
              n, store.Size(), static_cast<double>(after - before) / 1048576.0, per_key, avg_key,
              per_key - avg_key);
  return 0;
}
