// TempFile: a file with the given text in the test's temp directory, removed when the object
// goes. Header-only, for unit and integration tests alike.
//
// The file is named "<pid>-<n>-<name>", unique to this object: ctest -j runs the tests of one
// binary in parallel processes, and with the bare name two tests using the same name shared
// one file, which the first to finish removed under the other ("cannot read settings file",
// seen with StartupLogTest). Messages that name the file still end in `name`.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>

namespace sluice::testing {

class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text)
      : path_(::testing::TempDir() + "/" + std::to_string(getpid()) + "-" +
              std::to_string(NextNumber()) + "-" + name) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  static int NextNumber() {
    static std::atomic<int> next{0};
    return next.fetch_add(1);
  }

  std::string path_;
};

}  // namespace sluice::testing
