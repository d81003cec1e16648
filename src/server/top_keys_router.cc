#include "server/top_keys_router.h"

#include <string>
#include <utility>

namespace sluice::server {

void TopKeysRouter::Route(std::vector<core::RateLimitRequest> requests, int64_t now, Done done) {
  struct Asked {
    std::string key;
    uint64_t hits;
  };
  std::vector<Asked> asked;
  asked.reserve(requests.size());
  for (const core::RateLimitRequest& r : requests) {
    asked.push_back(Asked{core::HashKey(r.name, r.unique_key),
                          r.hits < 0 ? 0 : static_cast<uint64_t>(r.hits)});
  }
  inner_.Route(std::move(requests), now,
               [this, now, asked = std::move(asked),
                done = std::move(done)](std::vector<cluster::RoutedResponse> results) mutable {
                 for (size_t i = 0; i < results.size() && i < asked.size(); ++i) {
                   const core::RateLimitResponse& r = results[i].response;
                   top_keys_.Record(asked[i].key, asked[i].hits,
                                    r.error.empty() && r.status == core::Status::kOverLimit, now);
                 }
                 std::move(done)(std::move(results));
               });
}

}  // namespace sluice::server
