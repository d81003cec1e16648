// The status page's HTML (src/server/status_page.html), embedded in the binary at build time by
// cmake/embed_asset.cmake, so a node serves its page with no files beside it and no CDN.
#pragma once

#include <string_view>

namespace sluice::server {

std::string_view StatusPageHtml();

}  // namespace sluice::server
