// The build-info metric: sluice_build_info{version} = 1, so dashboards can join any series with
// the version of the binary that exported it.
//
// Thread safety: as obs::Registry.
#pragma once

#include <string_view>

#include "obs/registry.h"

namespace sluice::server {

// Registers sluice_build_info{version=`version`} with value 1 on `registry`.
void RegisterBuildInfo(obs::Registry& registry, std::string_view version);

}  // namespace sluice::server
