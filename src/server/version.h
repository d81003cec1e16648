// What `sluice -V` prints: the version (SLUICE_VERSION, include/sluice/version.h), the git
// commit the binary was built from and the build date (cmake/build_info.cmake).
#pragma once

#include <string>

namespace sluice::server {

// "sluice 0.1.0 (commit 3219dba0c1de, built 2026-12-03)".
std::string VersionText();

}  // namespace sluice::server
