// Graceful shutdown of a real sluice process under load: after SIGTERM the node keeps serving
// for --shutdown-delay while LiveCheck reports shutting down, every call answered is a complete
// answer, calls are only refused (UNAVAILABLE/CANCELLED) once it stops accepting, no call hangs,
// and the process exits 0.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <string>
#include <chrono>
#include <thread>
#include <vector>

#include "gubernator.grpc.pb.h"
#include "testing/http_client.h"
#include "testing/sluice_process.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

TEST(ShutdownTest, DrainsUnderLoadAndExitsZero) {
  testing::SluiceProcess node(testing::SluiceProcess::Options{
      .extra_args = {"--shutdown-delay", "1", "--drain-timeout", "5"}});
  ASSERT_TRUE(node.ready());

  std::atomic<bool> stop{false};
  std::atomic<Clock::time_point::rep> sigterm_at{0};
  std::atomic<int> ok{0}, unavailable{0}, other{0}, ok_after_sigterm{0}, failed_in_delay{0};
  std::atomic<int> slowest_ms{0};
  std::mutex mu;
  std::string other_errors;

  auto worker = [&](int id) {
    auto stub = pb::gubernator::V1::NewStub(
        grpc::CreateChannel(node.grpc_address(), grpc::InsecureChannelCredentials()));
    for (int i = 0; !stop.load(); ++i) {
      pb::gubernator::GetRateLimitsReq req;
      auto* r = req.add_requests();
      r->set_name("shutdown");
      r->set_unique_key("k" + std::to_string(id * 1000 + i % 50));
      r->set_hits(1);
      r->set_limit(1'000'000);
      r->set_duration(60'000);
      pb::gubernator::GetRateLimitsResp resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      auto start = Clock::now();
      grpc::Status status = stub->GetRateLimits(&ctx, req, &resp);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      int prev = slowest_ms.load();
      while (ms.count() > prev && !slowest_ms.compare_exchange_weak(prev, ms.count())) {}
      auto term = sigterm_at.load();
      bool in_delay = term != 0 && start.time_since_epoch().count() - term <
                                       std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::milliseconds(800))
                                           .count();
      if (status.ok() && resp.responses_size() == 1 && resp.responses(0).error().empty()) {
        ok.fetch_add(1);
        if (term != 0) ok_after_sigterm.fetch_add(1);
      } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                 status.error_code() == grpc::StatusCode::CANCELLED) {
        // Refused: a call that reaches the node after it stopped accepting (gRPC answers
        // calls racing its GOAWAY with CANCELLED) was never in flight.
        unavailable.fetch_add(1);
        if (in_delay) failed_in_delay.fetch_add(1);
      } else {
        other.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu);
        other_errors += std::to_string(status.error_code()) + " " + status.error_message() + "; ";
      }
      if (!status.ok() && term == 0) other.fetch_add(1);  // nothing may fail before SIGTERM
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker, t);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  sigterm_at.store(Clock::now().time_since_epoch().count());
  node.Signal(SIGTERM);
  // During the delay the node still serves but reports itself as shutting down.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto live = testing::HttpGet(node.http_url() + "/v1/LiveCheck");
  EXPECT_EQ(live.status, 503);
  EXPECT_NE(live.body.find("server is shutting down"), std::string::npos) << live.body;

  int exit_code = node.Wait(20'000);
  stop.store(true);
  for (auto& t : threads) t.join();

  EXPECT_EQ(exit_code, 0) << node.Output();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(ok_after_sigterm.load(), 0);  // served through the delay
  EXPECT_EQ(failed_in_delay.load(), 0);
  EXPECT_EQ(other.load(), 0) << other_errors;  // only clean refusals once it stopped accepting
  EXPECT_LT(slowest_ms.load(), 10'000);    // nothing hung
}

}  // namespace
}  // namespace sluice
