#include "api/admin_counters.h"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "rules/rule_parser.h"
#include "rules/rule_set.h"

namespace sluice::api {
namespace {

constexpr int64_t kNow = 1'700'000'000'250;  // 250 ms into a second

constexpr char kRules[] = R"(domain: shop
descriptors:
  - key: user
    rate_limits:
      - {name: per_second, unit: second, requests_per_unit: 3}
      - {name: per_hour, unit: hour, requests_per_unit: 100}
  - key: free
    rate_limit: {unlimited: true}
)";

// A router that answers every item with an error, as a cluster node does for an unreachable
// owner.
class FailingRouter final : public cluster::Router {
 public:
  void Route(std::vector<core::RateLimitRequest> requests, int64_t, Done done) override {
    std::vector<cluster::RoutedResponse> out(requests.size());
    for (auto& r : out) r.response.error = "while fetching rate limit: peer down";
    std::move(done)(std::move(out));
  }
};

class AdminCountersTest : public ::testing::Test {
 protected:
  AdminCountersTest() {
    std::vector<rules::Domain> domains;
    domains.push_back(*rules::ParseRules("shop.yaml", kRules));
    rules_.Replace(*rules::RuleSet::Create(std::move(domains)));
  }

  absl::StatusOr<AdminAnswer> Run(const AdminSelector& selector, bool reset,
                                  cluster::Router* router = nullptr) {
    AdminCounters admin(router ? *router : router_, clock_, rules_);
    std::optional<absl::StatusOr<AdminAnswer>> got;
    admin.Run(selector, reset, [&](absl::StatusOr<AdminAnswer> answer) { got = std::move(answer); });
    EXPECT_TRUE(got.has_value()) << "a local router answers inline";
    return got ? *std::move(got) : absl::InternalError("no answer");
  }
  // Counts `hits` on both limits of user=`who`, as the Envoy door would.
  void Count(const std::string& who, int hits) {
    auto answer = Run(Selector(who), false);
    ASSERT_TRUE(answer.ok()) << answer.status();
    for (const AdminCounter& c : answer->counters) {
      core::RateLimitRequest r{.name = "envoy",
                               .unique_key = c.key.substr(6),  // after "envoy_"
                               .hits = hits,
                               .limit = c.limit,
                               .duration = c.limit == 3 ? 1000 : 3'600'000,
                               .algorithm = static_cast<int32_t>(core::Algorithm::kFixedWindow),
                               .created_at = kNow};
      limiter_.Check(r, kNow);
    }
  }
  static AdminSelector Selector(const std::string& who) {
    return AdminSelector{.domain = "shop", .entries = {{"user", who}}};
  }

  core::ManualClock clock_{kNow};
  core::Store store_;
  core::Limiter limiter_{store_};
  cluster::LocalRouter router_{limiter_};
  rules::RuleStore rules_{""};
};

TEST_F(AdminCountersTest, ReadsEveryLimitOfADescriptorWithoutCounting) {
  Count("ann", 2);
  for (int i = 0; i < 2; ++i) {  // the second read sees the same: reads count nothing
    auto answer = Run(Selector("ann"), false);
    ASSERT_TRUE(answer.ok()) << answer.status();
    ASSERT_EQ(answer->counters.size(), 2u);
    const AdminCounter& second = answer->counters[0];
    EXPECT_EQ(second.limit_name, "per_second");
    EXPECT_EQ(second.algorithm, "fixed_window");
    EXPECT_EQ(second.key.rfind("envoy_shop_user_ann", 0), 0u) << second.key;
    EXPECT_EQ(second.limit, 3);
    EXPECT_EQ(second.count, 2);
    EXPECT_EQ(second.remaining, 1);
    EXPECT_EQ(second.reset_time, 1'700'000'001'000);
    EXPECT_EQ(second.owner, "");
    EXPECT_EQ(answer->counters[1].limit_name, "per_hour");
    EXPECT_EQ(answer->counters[1].count, 2);
  }
}

TEST_F(AdminCountersTest, ResetEmptiesEveryLimitOfTheDescriptorOnly) {
  Count("ann", 3);
  Count("bob", 1);
  auto reset = Run(Selector("ann"), true);
  ASSERT_TRUE(reset.ok()) << reset.status();
  for (const AdminCounter& c : reset->counters) {
    EXPECT_EQ(c.count, 0) << c.key;
    EXPECT_EQ(c.remaining, c.limit) << c.key;
  }
  EXPECT_EQ(Run(Selector("bob"), false)->counters[0].count, 1);
}

TEST_F(AdminCountersTest, AGubernatorKeyByItsLimit) {
  limiter_.Check(core::RateLimitRequest{.name = "api", .unique_key = "k", .hits = 4,
                                        .limit = 10, .duration = 60'000, .created_at = kNow},
                 kNow);
  const AdminSelector key{.name = "api", .unique_key = "k", .limit = 10, .duration = 60'000};
  auto read = Run(key, false);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->counters.size(), 1u);
  EXPECT_EQ(read->counters[0].key, "api_k");
  EXPECT_EQ(read->counters[0].algorithm, "token_bucket");
  EXPECT_EQ(read->counters[0].count, 4);
  EXPECT_EQ(Run(key, true)->counters[0].remaining, 10);
  EXPECT_EQ(Run(key, false)->counters[0].count, 0);
}

TEST_F(AdminCountersTest, UnlimitedUnmatchedAndUnreachable) {
  auto unlimited = Run(AdminSelector{.domain = "shop", .entries = {{"free", "x"}}}, false);
  ASSERT_TRUE(unlimited.ok()) << unlimited.status();
  EXPECT_TRUE(unlimited->unlimited);
  EXPECT_TRUE(unlimited->counters.empty());

  auto unmatched = Run(AdminSelector{.domain = "shop", .entries = {{"nobody", "x"}}}, false);
  EXPECT_EQ(unmatched.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Run(AdminSelector{.domain = "other", .entries = {{"user", "x"}}}, false)
                .status()
                .code(),
            absl::StatusCode::kNotFound);

  FailingRouter failing;
  auto down = Run(Selector("ann"), false, &failing);
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(down.status().message()).find("counter 'envoy_shop_user_ann"),
            std::string::npos)
      << down.status();
  EXPECT_NE(std::string(down.status().message()).find("': while fetching rate limit: peer down"),
            std::string::npos)
      << down.status();
}

TEST(AdminAnswerJsonTest, EveryField) {
  AdminAnswer answer{.now = 1'000,
                     .counters = {{.key = "envoy_shop_user_ann_second",
                                   .limit_name = "per_second",
                                   .algorithm = "sliding_window",
                                   .limit = 3,
                                   .count = 2,
                                   .remaining = 1,
                                   .reset_time = 1'750,
                                   .owner = "10.0.0.2:1051"}}};
  EXPECT_EQ(AdminAnswerJson(answer),
            R"({"unlimited":false,"counters":[{"key":"envoy_shop_user_ann_second",)"
            R"("name":"per_second","algorithm":"sliding_window","limit":3,"count":2,)"
            R"("remaining":1,"reset_time":1750,"duration_until_reset_ms":750,)"
            R"("owner":"10.0.0.2:1051"}]})");
  EXPECT_EQ(AdminAnswerJson(AdminAnswer{.unlimited = true}),
            R"({"unlimited":true,"counters":[]})");
}

}  // namespace
}  // namespace sluice::api
