// ProbeClient: a blocking pb.gubernator.V1 client for the bench tools (cluster_latency,
// mesh_bench) that times every call on the wall clock. One ProbeClient per thread: each has its
// own channel (and so its own connection), never shared with another ProbeClient.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gubernator.grpc.pb.h"

namespace sluice::bench {

class ProbeClient {
 public:
  // `address` is host:port of a gRPC server (plaintext).
  explicit ProbeClient(const std::string& address);

  // One GetRateLimits call with a 2 s deadline. `*micros` receives the call's wall time.
  grpc::Status Call(const pb::gubernator::GetRateLimitsReq& req,
                    pb::gubernator::GetRateLimitsResp* resp, double* micros = nullptr);

  // Waits up to `timeout` for HealthCheck to answer "healthy".
  bool WaitHealthy(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<pb::gubernator::V1::Stub> stub_;
};

// A token-bucket item for the bench: name "bench", the given key, hits, limit and duration.
pb::gubernator::RateLimitReq BenchItem(const std::string& key, int64_t hits,
                                       int64_t limit = 1'000'000'000,
                                       int64_t duration_ms = 3'600'000, int behavior = 0);

// "a,b,c" -> {"a", "b", "c"}; empty parts are dropped.
std::vector<std::string> SplitList(const std::string& list);

}  // namespace sluice::bench
