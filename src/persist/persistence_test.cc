#include "persist/persistence.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/temp_dir.h"

namespace sluice::persist {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

class PersistenceTest : public ::testing::Test {
 protected:
  std::string ReadAll() {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  core::RateLimitRequest Request(int64_t hits) {
    core::RateLimitRequest req;
    req.name = "n";
    req.unique_key = "k";
    req.hits = hits;
    req.limit = 10;
    req.duration = 3'600'000;
    req.created_at = clock_.NowMillis();
    return req;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.Path("sluice.snap");
  core::ManualClock clock_{kStart};
  core::Store store_;
  core::Limiter limiter_{store_};
};

TEST_F(PersistenceTest, StopWritesWhatRestoreReadsBack) {
  {
    auto p = Persistence::Open({.snapshot_path = path_, .snapshot_interval = absl::ZeroDuration()});
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*p)->Restore(limiter_, clock_).ok());
    (*p)->Start(limiter_, clock_);
    limiter_.Check(Request(3), clock_.NowMillis());
    (*p)->Stop();
  }
  core::Store fresh;
  core::Limiter restarted(fresh);
  auto p = Persistence::Open({.snapshot_path = path_});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->Restore(restarted, clock_).ok());
  EXPECT_EQ(restarted.Check(Request(0), clock_.NowMillis()).remaining, 7);
}

TEST_F(PersistenceTest, ABadFileStopsStartUpAndIsLeftAsItWas) {
  std::ofstream(path_) << "garbage";
  {
    auto p = Persistence::Open({.snapshot_path = path_});
    ASSERT_TRUE(p.ok());
    absl::Status s = (*p)->Restore(limiter_, clock_);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("--snapshot-ignore-errors"), std::string::npos) << s;
  }  // destroyed without Start/Stop, as a node that failed to start
  EXPECT_EQ(ReadAll(), "garbage");
}

TEST_F(PersistenceTest, IgnoringErrorsStartsEmptyAndTheNextSnapshotReplacesTheFile) {
  std::ofstream(path_) << "garbage";
  auto p = Persistence::Open({.snapshot_path = path_, .snapshot_ignore_errors = true});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->Restore(limiter_, clock_).ok());
  (*p)->Start(limiter_, clock_);
  (*p)->Stop();
  EXPECT_EQ(ReadAll().substr(0, 8), "SLUICESN");
}

TEST_F(PersistenceTest, AStoreDirectoryThatCannotBeOpenedFailsOpen) {
  auto p = Persistence::Open({.store_dir = dir_.Write("file", "x")});
  EXPECT_FALSE(p.ok());
}

}  // namespace
}  // namespace sluice::persist
