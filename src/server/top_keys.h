// TopKeys: the rate-limit keys with the most hits and the most rejections over about the last
// minute, in bounded memory, for the status page (docs/operations.md#status-page).
//
// SpaceSaving is Metwally et al.'s heavy-hitter sketch: `capacity` counters; a key not counted
// yet takes the smallest counter over (count = that minimum + n, error = that minimum), so every
// key that occurred more than total/capacity times is kept, and a reported count overstates the
// truth by at most its `error`. Pure and single-threaded.
//
// TopKeys keeps such sketches per shard and per half window (`window`/2, aligned to the epoch):
// Top() merges the current and the previous half, so it covers between window/2 and `window`.
// Time comes in as `now` (epoch ms) stamped by the caller; nothing here reads a clock.
//
// Threads: Record() may be called from any thread and never waits: it takes its shard's lock
// with TryLock and, when another thread holds it, tries the next shard once, then drops the
// sample (counted in dropped()) — the decision path never queues behind the status page. Top()
// from any thread. Memory: shards × 2 halves × 2 sketches × capacity keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sluice::server {

struct KeyCount {
  std::string key;
  uint64_t count = 0;  // an upper bound of the true count
  uint64_t error = 0;  // count - error is a lower bound

  bool operator==(const KeyCount&) const = default;
};

class SpaceSaving {
 public:
  explicit SpaceSaving(size_t capacity) : capacity_(capacity) {}

  void Add(std::string_view key, uint64_t n);
  // Adds every counter of `other` (its errors too).
  void Merge(const SpaceSaving& other);
  // The `k` largest counts, largest first; ties by key.
  std::vector<KeyCount> Top(size_t k) const;
  void Clear() { counters_.clear(); }
  size_t size() const { return counters_.size(); }

 private:
  struct Counter {
    uint64_t count = 0;
    uint64_t error = 0;
  };
  void Add(std::string_view key, Counter c);

  size_t capacity_;
  absl::flat_hash_map<std::string, Counter> counters_;
};

struct TopKeysOptions {
  // Counters per sketch; a key is kept when it has more than 1/capacity of the hits. Default: 64.
  size_t capacity = 64;
  // Independent sketches, so concurrent request threads rarely meet. Default: 8.
  size_t shards = 8;
  // How far back Top() looks (between half of it and all of it). Default: 60 s.
  absl::Duration window = absl::Seconds(60);
};

struct TopKeysReport {
  std::vector<KeyCount> hits;
  std::vector<KeyCount> rejections;
};

class TopKeys {
 public:
  explicit TopKeys(TopKeysOptions options = {});
  ~TopKeys();

  // `hits` hits on `key` at `now`; `rejected`: the answer was OVER_LIMIT.
  void Record(std::string_view key, uint64_t hits, bool rejected, int64_t now);
  // The `k` keys with the most hits and with the most rejections over the window before `now`.
  TopKeysReport Top(size_t k, int64_t now) const;
  // Samples dropped because both shards tried were busy.
  uint64_t dropped() const;

 private:
  struct Shard;
  const TopKeysOptions options_;
  const int64_t half_ms_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace sluice::server
