// ConfigReferenceMarkdown: docs/configuration.md, generated from the options declared on the
// App (through a SettingsCatalog) so the reference cannot drift from the code: every setting
// with its flag, variables, file key, default and allowed values; the settings-file aliases;
// Gubernator's variables and what each sets in this build. `sluice --print-config-reference`
// prints it, and config_reference_test fails when the checked-in file differs.
//
// Thread safety: pure function of the catalog.
#pragma once

#include <string>

#include "server/settings_catalog.h"

namespace sluice::server {

std::string ConfigReferenceMarkdown(const SettingsCatalog& catalog);

}  // namespace sluice::server
