#include "obs/counter_ref.h"

#include "gtest/gtest.h"
#include "obs/registry.h"

namespace sluice::obs {
namespace {

TEST(CounterRefTest, CountsIntoTheRegisteredCounter) {
  Registry registry;
  const CounterRef ref(registry.AddCounter("sluice_test_total", "A test counter."));
  ++ref;
  ref += 4;
  ref += -3;  // ignored: a counter never goes down
  ref += size_t{2};
  EXPECT_EQ(ref, 7u);
  EXPECT_EQ(ref.value(), 7u);
  EXPECT_NE(registry.Render().find("sluice_test_total 7\n"), std::string::npos);
  const CounterRef copy = ref;
  ++copy;
  EXPECT_EQ(ref.value(), 8u);
}

}  // namespace
}  // namespace sluice::obs
