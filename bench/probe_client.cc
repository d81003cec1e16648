#include "probe_client.h"

#include <thread>

namespace sluice::bench {

ProbeClient::ProbeClient(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
  stub_ = pb::gubernator::V1::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

grpc::Status ProbeClient::Call(const pb::gubernator::GetRateLimitsReq& req,
                               pb::gubernator::GetRateLimitsResp* resp, double* micros) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  auto start = std::chrono::steady_clock::now();
  grpc::Status status = stub_->GetRateLimits(&ctx, req, resp);
  if (micros != nullptr) {
    *micros =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  }
  return status;
}

bool ProbeClient::WaitHealthy(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    pb::gubernator::HealthCheckResp resp;
    if (stub_->HealthCheck(&ctx, pb::gubernator::HealthCheckReq(), &resp).ok() &&
        resp.status() == "healthy") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

pb::gubernator::RateLimitReq BenchItem(const std::string& key, int64_t hits, int64_t limit,
                                       int64_t duration_ms, int behavior) {
  pb::gubernator::RateLimitReq item;
  item.set_name("bench");
  item.set_unique_key(key);
  item.set_hits(hits);
  item.set_limit(limit);
  item.set_duration(duration_ms);
  item.set_algorithm(pb::gubernator::TOKEN_BUCKET);
  item.set_behavior(static_cast<pb::gubernator::Behavior>(behavior));
  return item;
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace sluice::bench
