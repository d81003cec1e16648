// Router: decides where each rate-limit request is evaluated — here, at the key's owner, or
// here against a local replica (GLOBAL, mesh) — and answers the batch asynchronously.
//
// Doors hand the Router validated requests whose created_at is already stamped; the Router
// hands back one RoutedResponse per request, index-aligned. Implementations never block the
// calling thread while a peer answers: `done` runs later on another thread, or inline when
// every request could be answered locally.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "core/limiter.h"
#include "core/rate_limit.h"

namespace sluice::cluster {

struct RoutedResponse {
  core::RateLimitResponse response;
  // The owning peer's advertised gRPC address when another node owns the key (Gubernator's
  // `owner` metadata); empty when this node owns it.
  std::string owner;
  // True when another node owns this GLOBAL key and this node answered from its replica
  // (Gubernator's calltype="global").
  bool from_replica = false;
};

class Router {
 public:
  using Done = absl::AnyInvocable<void(std::vector<RoutedResponse>) &&>;

  virtual ~Router() = default;

  // Answers `requests` and calls `done` exactly once with the index-aligned responses.
  // `now` is the server clock (epoch ms) stamped at the door.
  virtual void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) = 0;
};

// Evaluates a request on this node's limiter, wrapping an algorithm error the way Gubernator's
// owner does: "<prefix><key>': during workerPool.GetRateLimit: <cause>".
core::RateLimitResponse EvaluateLocally(core::Limiter& limiter, const core::RateLimitRequest& req,
                                        int64_t now);

// The standalone router: this node owns every key.
class LocalRouter final : public Router {
 public:
  explicit LocalRouter(core::Limiter& limiter) : limiter_(limiter) {}
  void Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) override;

 private:
  core::Limiter& limiter_;
};

}  // namespace sluice::cluster
