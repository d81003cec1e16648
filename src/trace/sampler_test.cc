#include "trace/sampler.h"

#include "gtest/gtest.h"

namespace sluice::trace {
namespace {

TraceId IdWithLow(uint64_t low) {
  TraceId id{};
  id[0] = 1;
  for (int i = 0; i < 8; ++i) id[15 - i] = static_cast<uint8_t>(low >> (8 * i));
  return id;
}

TraceContext Parent(bool sampled) {
  return TraceContext{.trace_id = IdWithLow(1), .span_id = NewSpanId(), .sampled = sampled};
}

TEST(SamplerTest, RatioComparesTheLowEightBytes) {
  Sampler half = Sampler::ParentBasedRatio(0.5);
  EXPECT_TRUE(half.ShouldSample(std::nullopt, IdWithLow(0)));
  EXPECT_TRUE(half.ShouldSample(std::nullopt, IdWithLow(0x7fffffffffffffffULL)));
  EXPECT_FALSE(half.ShouldSample(std::nullopt, IdWithLow(0x8000000000000000ULL)));
  EXPECT_FALSE(half.ShouldSample(std::nullopt, IdWithLow(~0ULL)));
}

TEST(SamplerTest, RatioKeepsAboutThatShareOfRandomTraces) {
  Sampler sampler = Sampler::ParentBasedRatio(0.01);
  int kept = 0;
  for (int i = 0; i < 100000; ++i) kept += sampler.ShouldSample(std::nullopt, NewTraceId());
  EXPECT_GT(kept, 800);
  EXPECT_LT(kept, 1200);
}

TEST(SamplerTest, ParentBasedFollowsTheParent) {
  Sampler none = Sampler::ParentBasedRatio(0);
  EXPECT_TRUE(none.ShouldSample(Parent(true), IdWithLow(~0ULL)));
  EXPECT_FALSE(none.ShouldSample(std::nullopt, IdWithLow(0)));
  Sampler all = Sampler::ParentBasedRatio(1);
  EXPECT_FALSE(all.ShouldSample(Parent(false), IdWithLow(0)));
  EXPECT_TRUE(all.ShouldSample(std::nullopt, IdWithLow(~0ULL)));
}

TEST(SamplerTest, FromConfigNamesAndArgs) {
  auto on = Sampler::FromConfig("always_on", "");
  ASSERT_TRUE(on.ok());
  EXPECT_TRUE(on->ShouldSample(Parent(false), IdWithLow(~0ULL)));  // not parent based
  auto off = Sampler::FromConfig("ALWAYS_OFF", "");
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->RootNeverSamples());
  EXPECT_FALSE(off->ShouldSample(Parent(true), IdWithLow(0)));
  auto ratio = Sampler::FromConfig("parentbased_traceidratio", "0.25");
  ASSERT_TRUE(ratio.ok());
  EXPECT_DOUBLE_EQ(ratio->ratio(), 0.25);
  EXPECT_TRUE(ratio->parent_based());
  auto default_ratio = Sampler::FromConfig("traceidratio", "");
  ASSERT_TRUE(default_ratio.ok());
  EXPECT_DOUBLE_EQ(default_ratio->ratio(), 1.0);
  EXPECT_TRUE(Sampler::FromConfig("parentbased_always_off", "").ok());
}

TEST(SamplerTest, FromConfigRejectsNonsense) {
  auto unknown = Sampler::FromConfig("jaeger_remote", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("allowed: always_on"), std::string::npos);
  EXPECT_FALSE(Sampler::FromConfig("traceidratio", "1.5").ok());
  EXPECT_FALSE(Sampler::FromConfig("traceidratio", "-0.1").ok());
  EXPECT_FALSE(Sampler::FromConfig("traceidratio", "half").ok());
  EXPECT_FALSE(Sampler::FromConfig("traceidratio", "nan").ok());
}

}  // namespace
}  // namespace sluice::trace
