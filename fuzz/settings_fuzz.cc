// The settings parser: any bytes as the --settings file (YAML sections or Gubernator's KEY=VALUE
// lines), through the whole of ParseCommandLine — file reading, conversion, every option's
// checks and Validate — exactly as `sluice --settings FILE` starts.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include <spdlog/spdlog.h>

#include "fuzz_check.h"
#include "server/config.h"

namespace {

// One scratch file per process, rewritten for every input and removed at exit.
const std::string& ScratchFile() {
  static const std::string path = [] {
    std::string p = "/tmp/sluice-settings-fuzz-XXXXXX";
    const int fd = mkstemp(p.data());
    FUZZ_CHECK(fd >= 0, "mkstemp");
    close(fd);
    return p;
  }();
  static const bool cleanup = std::atexit([] { std::remove(ScratchFile().c_str()); }) == 0;
  (void)cleanup;
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string& path = []() -> const std::string& {
    spdlog::set_level(spdlog::level::off);  // unknown-key warnings on every input
    return ScratchFile();
  }();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    FUZZ_CHECK(out.good(), "writing the scratch file");
  }
  const char* argv[] = {"sluice", "--settings", path.c_str()};
  auto parsed = sluice::server::ParseCommandLine(3, argv, {});
  if (!parsed.ok()) {
    FUZZ_CHECK(!parsed.status().message().empty(), "a rejection says why");
  }
  return 0;
}
