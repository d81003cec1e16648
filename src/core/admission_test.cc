#include "core/admission.h"

#include <gtest/gtest.h>

#include <limits>

namespace sluice::core {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

RateLimitRequest Request() {
  return RateLimitRequest{.name = "n", .unique_key = "k", .hits = 1, .limit = 5,
                          .duration = 1000};
}

TEST(AdmissionTest, AnOrdinaryRequestIsAdmittedAndStamped) {
  auto req = Request();
  Admission a = Admit(req, kNow, {});
  EXPECT_TRUE(a.ok());
  EXPECT_FALSE(a.clamped);
  EXPECT_EQ(req.created_at, kNow);
}

TEST(AdmissionTest, AKeyOverTheLimitIsRejectedNamingTheLimit) {
  auto req = Request();
  req.unique_key = std::string(100, 'k');
  EXPECT_TRUE(Admit(req, kNow, {.max_key_bytes = 102}).ok());  // "n_" + 100 bytes
  Admission a = Admit(req, kNow, {.max_key_bytes = 101});
  EXPECT_EQ(a.rejection, Admission::Rejection::kKeyTooLong);
  EXPECT_EQ(a.error,
            "key of 102 bytes (namespace + '_' + unique_key) exceeds the 101-byte limit "
            "(--max-key-bytes)");
}

// Every int64 field at both ends of the int64 range is an error naming the field.
TEST(AdmissionTest, ValuesBeyondTwoToThe53AreRejectedNamingTheField) {
  for (const char* field : {"hits", "limit", "duration", "burst", "created_at"}) {
    for (int64_t value : {kMin, kMax, kMaxRequestValue + 1, -kMaxRequestValue - 1}) {
      auto req = Request();
      int64_t* target = std::string_view(field) == "hits"       ? &req.hits
                        : std::string_view(field) == "limit"    ? &req.limit
                        : std::string_view(field) == "duration" ? &req.duration
                        : std::string_view(field) == "burst"    ? &req.burst
                                                                : &req.created_at;
      *target = value;
      Admission a = Admit(req, kNow, {});
      EXPECT_EQ(a.rejection, Admission::Rejection::kOutOfRange) << field << " " << value;
      EXPECT_NE(a.error.find(std::string("field '") + field + "' is " + std::to_string(value)),
                std::string::npos)
          << a.error;
    }
  }
  auto edge = Request();
  edge.hits = -kMaxRequestValue;
  edge.limit = kMaxRequestValue;
  EXPECT_TRUE(Admit(edge, kNow, {}).ok());
  auto negative_time = Request();
  negative_time.created_at = -1;
  EXPECT_EQ(Admit(negative_time, kNow, {}).rejection, Admission::Rejection::kOutOfRange);
}

TEST(AdmissionTest, CreatedAtIsClampedToTheAllowedSkew) {
  auto past = Request();
  past.created_at = kNow - 365LL * 86'400'000;
  Admission a = Admit(past, kNow, {.max_clock_skew_ms = 5000});
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(a.clamped);
  EXPECT_EQ(past.created_at, kNow - 5000);

  auto future = Request();
  future.created_at = kNow + 365LL * 86'400'000;
  EXPECT_TRUE(Admit(future, kNow, {.max_clock_skew_ms = 5000}).clamped);
  EXPECT_EQ(future.created_at, kNow + 5000);

  auto near = Request();
  near.created_at = kNow - 4999;
  EXPECT_FALSE(Admit(near, kNow, {.max_clock_skew_ms = 5000}).clamped);
  EXPECT_EQ(near.created_at, kNow - 4999);
}

TEST(AdmissionTest, ZeroSkewAlwaysUsesTheServersClock) {
  auto req = Request();
  req.created_at = kNow - 1;
  EXPECT_TRUE(Admit(req, kNow, {.max_clock_skew_ms = 0}).clamped);
  EXPECT_EQ(req.created_at, kNow);
}

// A skew of ten years (the interop suites) keeps any realistic created_at, and the bounds
// saturate rather than overflow.
TEST(AdmissionTest, AHugeSkewKeepsCreatedAtAndDoesNotOverflow) {
  auto req = Request();
  req.created_at = kMaxRequestValue;
  EXPECT_FALSE(Admit(req, kNow, {.max_clock_skew_ms = kMax}).clamped);
  EXPECT_EQ(req.created_at, kMaxRequestValue);
}

}  // namespace
}  // namespace sluice::core
