#include "persist/snapshot_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "testing/temp_dir.h"

namespace sluice::persist {
namespace {

namespace fs = std::filesystem;

class SnapshotFileTest : public ::testing::Test {
 protected:

  Status SaveItems(SnapshotFile& file, const std::vector<StoredItem>& items) {
    return file.Save([&](const Loader::ItemSink& sink) {
      for (const auto& item : items) sink(item.view());
    });
  }
  std::vector<StoredItem> LoadItems(SnapshotFile& file, Status& status) {
    std::vector<StoredItem> out;
    status = file.Load([&](const StoredItemView& v) {
      out.push_back({std::string(v.key), v.expire_at, v.duration, std::string(v.state)});
    });
    return out;
  }
  std::string ReadAll() {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void WriteAll(const std::string& bytes) { std::ofstream(path_, std::ios::binary) << bytes; }

  const std::vector<StoredItem> items_ = {{"a_1", 100, 3'600'000, std::string("\x01\x00\x02", 3)},
                                          {"b_2", 200, 1000, "state"},
                                          {"", 300, 0, ""}};
  testing::TempDir dir_;
  const std::string path_ = dir_.Path("sluice.snap");
};

TEST_F(SnapshotFileTest, SaveThenLoadGivesEveryItemBack) {
  SnapshotFile file(path_);
  ASSERT_TRUE(SaveItems(file, items_).ok());
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
  Status status;
  std::vector<StoredItem> loaded = LoadItems(file, status);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(loaded.size(), items_.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    EXPECT_EQ(loaded[i].key, items_[i].key);
    EXPECT_EQ(loaded[i].expire_at, items_[i].expire_at);
    EXPECT_EQ(loaded[i].duration, items_[i].duration);
    EXPECT_EQ(loaded[i].state, items_[i].state);
  }
  SnapshotStats stats = file.Stats();
  EXPECT_EQ(stats.saves, 1u);
  EXPECT_EQ(stats.last_items, 3u);
  EXPECT_EQ(stats.last_bytes, fs::file_size(path_));
}

TEST_F(SnapshotFileTest, AMissingFileIsAFirstStart) {
  SnapshotFile file(path_);
  Status status;
  EXPECT_TRUE(LoadItems(file, status).empty());
  EXPECT_TRUE(status.ok());
}

TEST_F(SnapshotFileTest, ATruncatedFileIsRefusedWholeNamingThePath) {
  SnapshotFile file(path_);
  ASSERT_TRUE(SaveItems(file, items_).ok());
  const std::string bytes = ReadAll();
  for (size_t cut : {bytes.size() - 1, bytes.size() / 2, size_t{10}, size_t{3}}) {
    WriteAll(bytes.substr(0, cut));
    Status status;
    EXPECT_TRUE(LoadItems(file, status).empty()) << cut;
    EXPECT_NE(status.message().find("'" + path_ + "' is truncated"), std::string::npos)
        << cut << ": " << status.message();
  }
}

TEST_F(SnapshotFileTest, AFlippedByteFailsTheChecksum) {
  SnapshotFile file(path_);
  ASSERT_TRUE(SaveItems(file, items_).ok());
  std::string bytes = ReadAll();
  bytes[20] ^= 0x40;
  WriteAll(bytes);
  Status status;
  EXPECT_TRUE(LoadItems(file, status).empty());
  EXPECT_NE(status.message().find("is corrupt (checksum mismatch)"), std::string::npos)
      << status.message();
}

TEST_F(SnapshotFileTest, AnotherFormatVersionIsNamed) {
  SnapshotFile file(path_);
  ASSERT_TRUE(SaveItems(file, items_).ok());
  std::string bytes = ReadAll();
  bytes[8] = 7;  // the version's low byte
  WriteAll(bytes);
  Status status;
  LoadItems(file, status);
  EXPECT_NE(status.message().find("has format version 7; this build reads version 1"),
            std::string::npos)
      << status.message();
}

TEST_F(SnapshotFileTest, AForeignFileIsNotASnapshot) {
  WriteAll("{\"this\": \"is json\"}\n");
  SnapshotFile file(path_);
  Status status;
  LoadItems(file, status);
  EXPECT_NE(status.message().find("is not a Sluice snapshot"), std::string::npos)
      << status.message();
}

TEST_F(SnapshotFileTest, AnUnreadablePathIsAnError) {
  fs::create_directories(path_);  // a directory where the file should be
  SnapshotFile file(path_);
  Status status;
  LoadItems(file, status);
  EXPECT_NE(status.message().find("is unreadable"), std::string::npos) << status.message();
}

TEST_F(SnapshotFileTest, AFailedSaveKeepsThePreviousSnapshot) {
  SnapshotFile file(path_);
  ASSERT_TRUE(SaveItems(file, items_).ok());
  const std::string before = ReadAll();
  fs::create_directories(path_ + ".tmp");  // the temporary file cannot be created
  Status status = SaveItems(file, {{"c_3", 1, 1, "x"}});
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("not written"), std::string::npos) << status.message();
  EXPECT_EQ(ReadAll(), before);
  EXPECT_EQ(file.Stats().save_errors, 1u);
}

}  // namespace
}  // namespace sluice::persist
