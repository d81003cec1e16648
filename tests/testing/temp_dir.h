// TempDir: a private temporary directory (mkdtemp, so tests running at once never share one)
// that is removed with everything in it when the object goes away, with small file helpers.
// Failures are reported through gtest ADD_FAILURE, never thrown. Not thread-safe; one per test.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

namespace sluice::testing {

class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::string pattern =
        (std::filesystem::temp_directory_path(ec) / "sluice-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(const std::string& relative) const { return path_ + "/" + relative; }

  // Writes `contents` to `relative` (parent directories created) and returns the full path.
  std::string Write(const std::string& relative, const std::string& contents) const {
    const std::string full = Path(relative);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path(), ec);
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << contents;
    if (!out) ADD_FAILURE() << "cannot write " << full;
    return full;
  }

  // Writes `contents` to a temporary name and renames it over `relative` (atomic replace).
  std::string Replace(const std::string& relative, const std::string& contents) const {
    const std::string tmp = Write(relative + ".tmp~", contents);
    const std::string full = Path(relative);
    if (std::rename(tmp.c_str(), full.c_str()) != 0) {
      ADD_FAILURE() << "rename " << tmp << ": " << std::strerror(errno);
    }
    return full;
  }

  // Creates the symlink `relative` -> `target` (target taken literally).
  void Symlink(const std::string& target, const std::string& relative) const {
    if (symlink(target.c_str(), Path(relative).c_str()) != 0) {
      ADD_FAILURE() << "symlink " << relative << ": " << std::strerror(errno);
    }
  }

  // Atomically re-points the symlink `relative` at `target` (new link, then rename over it), the
  // way Kubernetes swaps a ConfigMap's `..data`.
  void SwapSymlink(const std::string& target, const std::string& relative) const {
    const std::string tmp = relative + "_tmp";
    Symlink(target, tmp);
    if (std::rename(Path(tmp).c_str(), Path(relative).c_str()) != 0) {
      ADD_FAILURE() << "rename " << tmp << ": " << std::strerror(errno);
    }
  }

 private:
  std::string path_;
};

}  // namespace sluice::testing
