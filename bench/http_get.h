// HttpGet: one blocking HTTP/1.1 GET on a fresh connection, for the bench tools' scrapes of
// /metrics and /v1/mesh/stats. Plaintext only; 5 s timeout.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace sluice::bench {

// GET http://<host_port><path>; the body when the status is 200.
absl::StatusOr<std::string> HttpGet(const std::string& host_port, const std::string& path);

// The value of the Prometheus sample whose line starts with `series` (name and labels exactly
// as rendered, e.g. `sluice_gossip_bytes_total{direction="sent"}`), or -1 when absent.
double PrometheusValue(const std::string& exposition, const std::string& series);

}  // namespace sluice::bench
