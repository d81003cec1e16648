// TempFile: a file with the given text in the test's temp directory, removed when the object
// goes. TempDir: a fresh directory under /tmp (rules directories), removed with its contents.
// Header-only, for unit and integration tests alike.
#pragma once

#include <gtest/gtest.h>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::testing {

class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text)
      : path_(::testing::TempDir() + "/" + name) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/sluice-rules-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `name` then renames it into place, as editors and ConfigMaps do, so a reader never
  // sees half a file. Returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string final_path = path_ + "/" + name;
    const std::string tmp = path_ + "/." + name + ".tmp";
    std::ofstream(tmp) << text;
    std::filesystem::rename(tmp, final_path);
    return final_path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sluice::testing
