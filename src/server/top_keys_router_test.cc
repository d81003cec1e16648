#include "server/top_keys_router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::server {
namespace {

// Answers every request on the spot: OVER_LIMIT for unique_key "hot", an error for "broken".
class AnsweringRouter final : public cluster::Router {
 public:
  void Route(std::vector<core::RateLimitRequest> requests, int64_t, Done done) override {
    std::vector<cluster::RoutedResponse> out(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      if (requests[i].unique_key == "hot") out[i].response.status = core::Status::kOverLimit;
      if (requests[i].unique_key == "broken") out[i].response.error = "no";
    }
    std::move(done)(std::move(out));
  }
};

TEST(TopKeysRouterTest, CountsHitsAndRejectionsOfEachAnsweredKey) {
  AnsweringRouter inner;
  TopKeys top;
  TopKeysRouter router(inner, top);
  const int64_t now = 1'000'000'000'000;
  std::vector<core::RateLimitRequest> requests(3);
  requests[0] = {.name = "api", .unique_key = "hot", .hits = 2};
  requests[1] = {.name = "api", .unique_key = "cold", .hits = 1};
  requests[2] = {.name = "api", .unique_key = "broken", .hits = 1};
  size_t answered = 0;
  router.Route(std::move(requests), now,
               [&](std::vector<cluster::RoutedResponse> out) { answered = out.size(); });
  EXPECT_EQ(answered, 3u);
  const TopKeysReport r = top.Top(10, now);
  EXPECT_THAT(r.hits, ::testing::ElementsAre(KeyCount{.key = "api_hot", .count = 2},
                                             KeyCount{.key = "api_broken", .count = 1},
                                             KeyCount{.key = "api_cold", .count = 1}));
  EXPECT_THAT(r.rejections, ::testing::ElementsAre(KeyCount{.key = "api_hot", .count = 2}));
}

}  // namespace
}  // namespace sluice::server
