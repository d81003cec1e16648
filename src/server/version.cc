#include "server/version.h"

#include <string_view>

#include "server/config.h"
#include "sluice/version.h"
#include "sluice_build_info.h"

namespace sluice::server {

// kVersion (metrics, the ready line) and the project version CMake gives the library agree.
static_assert(std::string_view(kVersion) == SLUICE_VERSION, "kVersion differs from project()");

std::string VersionText() {
  return std::string("sluice ") + SLUICE_VERSION + " (commit " + SLUICE_GIT_COMMIT + ", built " +
         SLUICE_BUILD_DATE + ")";
}

}  // namespace sluice::server
