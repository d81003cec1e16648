// TopKeysRouter: a Router in front of the node's router that counts each answered request in
// TopKeys — its key (name + "_" + unique_key, the store key) with its hits, and whether it was
// OVER_LIMIT — for the status page. Requests that peers forward to this node (PeersV1) do not
// pass here: the page shows the keys asked at this node's doors.
//
// Cost per request: one key copy and one TopKeys::Record, which never waits (top_keys.h).
// Thread safety: as the wrapped router; `inner` and `top_keys` must outlive this.
#pragma once

#include "cluster/router.h"
#include "server/top_keys.h"

namespace sluice::server {

class TopKeysRouter final : public cluster::Router {
 public:
  TopKeysRouter(cluster::Router& inner, TopKeys& top_keys) : inner_(inner), top_keys_(top_keys) {}
  void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) override;

 private:
  cluster::Router& inner_;
  TopKeys& top_keys_;
};

}  // namespace sluice::server
