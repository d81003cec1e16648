#include "server/reload_log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::server {
namespace {

using ::testing::ElementsAre;

TEST(ReloadLogTest, KeepsTheNewestFirstAndForgetsPastCapacity) {
  ReloadLog log(2);
  log.Record(absl::OkStatus(), 1000);
  log.Record(absl::InvalidArgumentError("rules.yaml:3: unknown unit 'fortnight'"), 2000);
  log.Record(absl::OkStatus(), 3000);
  EXPECT_THAT(log.Recent(),
              ElementsAre(ReloadEntry{.at_ms = 3000},
                          ReloadEntry{.at_ms = 2000,
                                      .ok = false,
                                      .error = "rules.yaml:3: unknown unit 'fortnight'"}));
}

}  // namespace
}  // namespace sluice::server
