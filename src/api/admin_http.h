// The counter admin's HTTP routes (docs/api.md "Counter admin"): GET /v1/admin/counters and
// POST /v1/admin/reset, both selecting counters by the query string (admin_selector.h) and
// answering AdminAnswerJson (admin_counters.h), errors as grpc-gateway bodies (net/http_error.h):
// a bad selector 400, no matching rule 404, a caller not allowed 403, an unreachable owner 503.
//
// Access: registered only with --admin. When `allowed_client_cns` is not empty (--admin-client-cn,
// which needs verified client certificates), only a caller whose verified certificate's CN is
// listed may call; every other caller gets 403 naming its CN (or its lack of one).
//
// Thread safety: the handlers run on any HTTP thread; `counters` must outlive the server.
#pragma once

#include <string>
#include <vector>

#include "api/admin_counters.h"
#include "net/http_server.h"

namespace sluice::api {

// `reset` = false: the read route; true: the reset route.
net::HttpHandler AdminHttpHandler(const AdminCounters& counters,
                                  std::vector<std::string> allowed_client_cns, bool reset);

}  // namespace sluice::api
