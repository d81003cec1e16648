// Limits that survive a restart (docs/persistence.md), against the real binary: a graceful
// restart with --snapshot keeps every key's remaining and reset_time; a bad snapshot stops
// start-up unless --snapshot-ignore-errors; with --store-dir a kill -9 under load loses no hit
// that was answered UNDER_LIMIT on a long-window key.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gubernator.grpc.pb.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"
#include "testing/temp_dir.h"

namespace sluice {
namespace {

constexpr int64_t kHour = 3'600'000;

struct Answer {
  bool ok = false;
  pb::gubernator::RateLimitResp resp;
  std::string error;  // what failed when !ok
};

Answer Hit(pb::gubernator::V1::Stub& stub, const std::string& key, int64_t hits,
           int64_t duration = kHour, int64_t limit = 1'000'000) {
  pb::gubernator::GetRateLimitsReq req;
  auto* r = req.add_requests();
  r->set_name("persist");
  r->set_unique_key(key);
  r->set_hits(hits);
  r->set_limit(limit);
  r->set_duration(duration);
  pb::gubernator::GetRateLimitsResp resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  Answer answer;
  const grpc::Status status = stub.GetRateLimits(&ctx, req, &resp);
  answer.ok = status.ok() && resp.responses_size() == 1 && resp.responses(0).error().empty();
  if (answer.ok) answer.resp = resp.responses(0);
  if (!answer.ok) {
    answer.error = status.ok() && resp.responses_size() == 1 ? resp.responses(0).error()
                                                              : status.error_message();
  }
  return answer;
}

std::unique_ptr<pb::gubernator::V1::Stub> StubFor(const testing::SluiceProcess& node) {
  return pb::gubernator::V1::NewStub(
      grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
}

class PersistenceTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(PersistenceTest, GracefulRestartWithASnapshotKeepsRemainingAndResetTime) {
  const std::string snapshot = dir_.Path("sluice.snap");
  std::map<std::string, pb::gubernator::RateLimitResp> before;
  {
    testing::SluiceProcess node({.extra_args = {"--snapshot", snapshot}});
    ASSERT_TRUE(node.ready()) << node.Output();
    auto stub = StubFor(node);
    for (int i = 0; i < 20; ++i) {
      const std::string key = "k" + std::to_string(i);
      Answer a = Hit(*stub, key, i + 1, kHour, 100);
      ASSERT_TRUE(a.ok);
      before[key] = a.resp;
    }
    node.Signal(SIGTERM);
    ASSERT_EQ(node.Wait(20'000), 0) << node.Output();
    EXPECT_NE(node.Output().find("snapshot " + snapshot + " written at stop: 20 keys"),
              std::string::npos)
        << node.Output();
  }
  testing::SluiceProcess node({.extra_args = {"--snapshot", snapshot}});
  ASSERT_TRUE(node.ready()) << node.Output();
  EXPECT_NE(node.Output().find("20 keys restored"), std::string::npos) << node.Output();
  auto stub = StubFor(node);
  for (const auto& [key, resp] : before) {
    Answer a = Hit(*stub, key, 0, kHour, 100);
    ASSERT_TRUE(a.ok);
    EXPECT_EQ(a.resp.remaining(), resp.remaining()) << key;
    EXPECT_EQ(a.resp.reset_time(), resp.reset_time()) << key;
  }
}

TEST_F(PersistenceTest, ACorruptSnapshotStopsStartUpUnlessIgnored) {
  const std::string snapshot = dir_.Path("sluice.snap");
  std::ofstream(snapshot) << "not a snapshot at all";
  {
    testing::SluiceProcess node({.extra_args = {"--snapshot", snapshot}});
    EXPECT_FALSE(node.ready());
    EXPECT_NE(node.Wait(20'000), 0);
    EXPECT_NE(node.Output().find("snapshot '" + snapshot + "' is not a Sluice snapshot"),
              std::string::npos)
        << node.Output();
  }
  testing::SluiceProcess node(
      {.extra_args = {"--snapshot", snapshot, "--snapshot-ignore-errors"}});
  ASSERT_TRUE(node.ready()) << node.Output();
  EXPECT_NE(node.Output().find("starting without it"), std::string::npos) << node.Output();
}

TEST_F(PersistenceTest, KillNineUnderLoadLosesNoAnsweredHitOfALongKey) {
  const std::string store = dir_.Path("store");
  constexpr int kKeys = 8;
  constexpr int64_t kLimit = 1'000'000;
  std::vector<std::atomic<int64_t>> answered(kKeys);
  std::vector<std::atomic<int64_t>> reset_time(kKeys);
  {
    testing::SluiceProcess node({.extra_args = {"--store-dir", store}});
    ASSERT_TRUE(node.ready()) << node.Output();
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
      workers.emplace_back([&, w] {
        auto stub = StubFor(node);
        for (int i = w; !stop.load(); ++i) {
          const int k = i % kKeys;
          Answer a = Hit(*stub, "long" + std::to_string(k), 1, kHour, kLimit);
          if (a.ok && a.resp.status() == pb::gubernator::UNDER_LIMIT) {
            answered[k].fetch_add(1);
            reset_time[k].store(a.resp.reset_time());
          }
        }
      });
    }
    // Load until every key has been answered a few times, then kill without warning.
    for (int tries = 0; tries < 200; ++tries) {
      bool all = true;
      for (auto& n : answered) all = all && n.load() >= 20;
      if (all) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    node.Kill();
    stop = true;
    for (auto& t : workers) t.join();
  }
  testing::SluiceProcess node({.extra_args = {"--store-dir", store}});
  ASSERT_TRUE(node.ready()) << node.Output();
  auto stub = StubFor(node);
  for (int k = 0; k < kKeys; ++k) {
    ASSERT_GE(answered[k].load(), 20) << "the load did not reach key " << k;
    Answer a = Hit(*stub, "long" + std::to_string(k), 0, kHour, kLimit);
    ASSERT_TRUE(a.ok);
    // Every answered hit is in the store; a hit applied but not answered before the kill may be
    // too (remaining lower), never fewer.
    EXPECT_LE(a.resp.remaining(), kLimit - answered[k].load()) << k;
    EXPECT_GE(a.resp.remaining(), kLimit - answered[k].load() - 4) << k;  // at most 1 in flight per worker
    EXPECT_EQ(a.resp.reset_time(), reset_time[k].load()) << k;
  }
}

// A tmpfs of `size` mounted at `path` for the test's life (root only; mounted() false otherwise,
// with the reason).
class TmpfsMount {
 public:
  TmpfsMount(const std::string& path, const std::string& size) : path_(path) {
    std::filesystem::create_directories(path);
    if (mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0) {
      mounted_ = true;
    } else {
      reason_ = std::strerror(errno);
    }
  }
  ~TmpfsMount() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string reason_;
};

// Fills the file system holding `dir` until a write fails, then gives `leave` bytes back (a disk
// full but for what the store set aside); returns the bytes the filler holds.
int64_t FillDisk(const std::string& dir, int64_t leave) {
  const std::string path = dir + "/filler";
  {
    std::ofstream filler(path, std::ios::binary);
    const std::string chunk(64 << 10, 'x');
    while (filler.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) &&
           filler.flush()) {
    }
  }
  std::error_code ec;
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  if (ec || size <= leave) return 0;
  std::filesystem::resize_file(path, static_cast<uintmax_t>(size - leave), ec);
  return ec ? 0 : size - leave;
}

int64_t MetricValue(const std::string& metrics, const std::string& name) {
  const size_t at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(metrics.substr(at + name.size() + 2));
}

TEST_F(PersistenceTest, AFullDiskIsLoggedCountedAndDecisionsGoOnFromMemory) {
  const std::string disk = dir_.Path("disk");
  TmpfsMount tmpfs(disk, "4m");
  if (!tmpfs.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs at " << disk << " (" << tmpfs.reason()
                 << "): the full-disk test needs root or CAP_SYS_ADMIN";
  }
  const std::string store = disk + "/store";
  testing::SluiceProcess node({.extra_args = {"--store-dir", store}});
  ASSERT_TRUE(node.ready()) << node.Output();
  // Full but for 256 KB: under the store's reserve (a quarter of this 4 MB disk), with room for
  // RocksDB to close. A disk filled to the last byte by another program can still make Debian's
  // RocksDB abort on its next log write (docs/persistence.md).
  ASSERT_GT(FillDisk(disk, 256 << 10), 0);
  auto stub = StubFor(node);
  // The writes already under way when the disk filled fit in what RocksDB set aside (its
  // write-ahead log is preallocated); the store's next space check stops them.
  const std::string padding(50, 'p');
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t errors = 0;
  int i = 0;
  for (; errors <= 0 && std::chrono::steady_clock::now() < deadline; ++i) {
    for (int n = 0; n < 50; ++n, ++i) {
      Answer a = Hit(*stub, padding + std::to_string(i), 1, kHour, 10);
      ASSERT_TRUE(a.ok) << "key " << i << ": a decision failed with the disk full: "
                        << a.error << "\n" << node.Output();
      ASSERT_EQ(a.resp.status(), pb::gubernator::UNDER_LIMIT);
      ASSERT_EQ(a.resp.remaining(), 9);
    }
    errors = MetricValue(testing::HttpGet(node.http_url() + "/metrics").body,
                         "sluice_store_dir_errors_total");
  }
  ASSERT_GT(errors, 0) << "no store error after " << i << " writes on a full disk";
  EXPECT_NE(node.Output().find("under the reserve of 1048576: writes stop until space is back, "
                               "decisions go on from memory"),
            std::string::npos)
      << node.Output();
  // A key keeps counting in memory while its writes fail.
  for (int hit = 1; hit <= 5; ++hit) {
    Answer a = Hit(*stub, "after-the-disk-filled", 1, kHour, 10);
    ASSERT_TRUE(a.ok);
    EXPECT_EQ(a.resp.remaining(), 10 - hit);
  }
  EXPECT_GT(MetricValue(testing::HttpGet(node.http_url() + "/metrics").body,
                        "sluice_store_dir_errors_total"),
            errors);
  // Space back: the writes resume.
  std::filesystem::remove(disk + "/filler");
  const int64_t errors_before = MetricValue(
      testing::HttpGet(node.http_url() + "/metrics").body, "sluice_store_dir_errors_total");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the store's space check
  for (int hit = 0; hit < 3; ++hit) ASSERT_TRUE(Hit(*stub, "after-space-is-back", 1, kHour, 10).ok);
  EXPECT_EQ(MetricValue(testing::HttpGet(node.http_url() + "/metrics").body,
                        "sluice_store_dir_errors_total"),
            errors_before);
  EXPECT_NE(node.Output().find("free on its disk again: writes resume"), std::string::npos);
  // And it stops cleanly: the database is closed with the writes it missed missing.
  node.Signal(SIGTERM);
  EXPECT_EQ(node.Wait(20'000), 0) << node.Output();
}

}  // namespace
}  // namespace sluice
