// Every algorithm over the int64 extremes in every request field, several calls per key, with
// and without each behavior. Built with UBSan (-fno-sanitize-recover), any signed overflow or
// undefined float conversion aborts the test; the doors reject such values (core/admission.h),
// so this guards the core's own arithmetic (core/saturating.h).
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <vector>

#include "core/algorithm.h"

namespace sluice::core {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(AlgorithmExtremesTest, NoInputOverflows) {
  const std::vector<int64_t> values = {kMin, kMin + 1, -(int64_t{1} << 53), -1, 0, 1,
                                       int64_t{1} << 53, kMax - 1, kMax};
  const std::vector<int32_t> behaviors = {0, behavior::kResetRemaining, behavior::kDrainOverLimit,
                                          behavior::kDurationIsGregorian};
  const int64_t now = 1'700'000'000'000;
  int answers = 0;
  for (int32_t algorithm : {0, 1, 2}) {
    for (int64_t v : values) {
      for (int field = 0; field < 5; ++field) {
        for (int32_t b : behaviors) {
          std::optional<BucketItem> item;
          for (int64_t other : {int64_t{1}, v, int64_t{-3}}) {
            RateLimitRequest req{.name = "n", .unique_key = "k", .hits = 1, .limit = 10,
                                 .duration = 1000, .algorithm = algorithm, .behavior = b,
                                 .created_at = now};
            int64_t* fields[] = {&req.hits, &req.limit, &req.duration, &req.burst,
                                 &req.created_at};
            *fields[field] = v;
            req.hits = field == 0 ? v : other;
            RateLimitResponse resp = ApplyAlgorithm(item, req, now);
            if (resp.error.empty()) ++answers;
          }
        }
      }
    }
  }
  EXPECT_GT(answers, 0);
}

}  // namespace
}  // namespace sluice::core
