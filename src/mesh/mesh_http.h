// Mesh HTTP handlers; server/http_routes.cc registers them on the node's HTTP server:
//   GET  /v1/mesh/stats  JSON: this node, every counter of MeshStats, and every known node life
//                        with its state (docs/mesh.md, "Observing").
//   POST /v1/mesh/deny   test hook, only with --mesh-test-hooks: the body is a comma-separated
//                        list of node ids whose datagrams are dropped both ways; empty heals.
//
// Thread safety: handlers run on HTTP threads. The Mesh must outlive the server.
#pragma once

#include <string>

#include "net/http_server.h"
#include "mesh/mesh.h"

namespace sluice::mesh {

net::HttpHandler MeshStatsHttpHandler(const Mesh& mesh);
net::HttpHandler MeshDenyHttpHandler(Mesh& mesh);

// The body of GET /v1/mesh/stats.
std::string StatsJson(const Mesh& mesh);

}  // namespace sluice::mesh
