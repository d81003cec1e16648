// The status page's HTTP handlers: GET / serves the embedded page (status_page_asset.h), whose
// script reads GET /status.json, the StatusReport of this moment (status_report.h).
//
// Thread safety: the handlers run on HTTP threads; `collector` and `clock` must outlive them.
#pragma once

#include "core/clock.h"
#include "net/http_server.h"
#include "server/status_collector.h"

namespace sluice::server {

net::HttpHandler StatusPageHttpHandler();
net::HttpHandler StatusJsonHttpHandler(const StatusCollector& collector, const core::Clock& clock);

}  // namespace sluice::server
