// EnvoyDoor: the Envoy door's logic (api::EnvoyHandler) serving the shipped example rules
// (deploy/examples/ratelimit.yaml) from a small in-process store on a manual clock — what the two
// Envoy fuzz targets (/json and raw ShouldRateLimit) send their parsed requests to.
//
// The store is small and shared across inputs, so evictions happen; the clock moves one second
// a call, so windows roll. One thread (libFuzzer's).
#pragma once

#include <cstdlib>

#include "api/envoy_handler.h"
#include "cluster/router.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "fuzz_check.h"
#include "rules/rule_store.h"

namespace sluice::fuzz {

class EnvoyDoor {
 public:
  EnvoyDoor() {
    const absl::Status loaded = rules_.Reload();
    FUZZ_CHECK(loaded.ok(), "deploy/examples/ratelimit.yaml must load");
  }

  // Answers `req` into `answer` (an EnvoyAnswer or a RateLimitResponse); returns the status
  // handed to `done`, which the local router calls before ShouldRateLimit returns.
  template <class Answer>
  absl::Status Call(const envoy::service::ratelimit::v3::RateLimitRequest& req, Answer* answer) {
    clock_.Advance(1000);
    int calls = 0;
    absl::Status result;
    handler_.ShouldRateLimit(req, answer, [&](absl::Status status) {
      ++calls;
      result = std::move(status);
    });
    FUZZ_CHECK(calls == 1, "done must run exactly once");
    return result;
  }

 private:
  core::ManualClock clock_{1'700'000'000'000};
  core::Store store_{core::StoreOptions{.capacity = 256, .shards = 4}};
  core::Limiter limiter_{store_};
  cluster::LocalRouter router_{limiter_};
  rules::RuleStore rules_{SLUICE_SOURCE_DIR "/deploy/examples/ratelimit.yaml"};
  api::EnvoyHandler handler_{router_, clock_, rules_, api::EnvoyOptions{.rate_limit_headers = true}};
};

}  // namespace sluice::fuzz
