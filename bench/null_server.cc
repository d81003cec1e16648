// null_server: the speed-of-transport baseline for bench/run.sh. It serves the same gRPC methods
// and HTTP path as Sluice, built the same way (gRPC callback API on a grpc::ServerBuilder with
// the same message-size limit, the same per-call arena message allocators and the same raw,
// directly encoded Envoy method; the project's net::HttpServer on Boost.Beast with one I/O
// thread per CPU), but answers with fixed values instead of deciding anything:
//
//   pb.gubernator.V1/GetRateLimits                       one UNDER_LIMIT answer per item
//   envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit   OK, one status per descriptor
//   POST /v1/GetRateLimits                               a fixed one-item JSON answer (the body
//                                                        is read but not parsed)
//   GET /v1/HealthCheck                                  {"status":"healthy"} (readiness probe)
//
// So Sluice / null_server is what the decision path (parsing JSON, rules, store, metrics) costs
// over the transport both share. Runs until SIGINT or SIGTERM.
//
// Usage: null_server [--addr 127.0.0.1:1151] [--http-addr 127.0.0.1:1150] [--http-threads N]
#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "api/arena_message_allocator.h"
#include "api/envoy_service.h"
#include "api/envoy_wire.h"
#include "net/http_server.h"
#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "gubernator.grpc.pb.h"

namespace sluice::bench {
namespace {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;

constexpr int kMaxMessageBytes = 1 << 20;          // as src/server/node.cc
constexpr int64_t kResetTime = 1'700'000'000'000;  // a fixed, plausible reset_time (epoch ms)

// The answer Sluice gives to the bench's one-item HTTP request, with fixed numbers.
constexpr char kHttpAnswer[] =
    R"({"responses":[{"status":"UNDER_LIMIT","limit":"1000000000","remaining":"999999999",)"
    R"("reset_time":"1700000000000","error":"","metadata":{}}]})";

class NullGubernator final : public pb::gubernator::V1::CallbackService {
 public:
  NullGubernator() { SetMessageAllocatorFor_GetRateLimits(&allocator_); }

  grpc::ServerUnaryReactor* GetRateLimits(grpc::CallbackServerContext* ctx,
                                          const pb::gubernator::GetRateLimitsReq* req,
                                          pb::gubernator::GetRateLimitsResp* resp) override {
    for (const auto& item : req->requests()) {
      auto* r = resp->add_responses();
      r->set_status(pb::gubernator::UNDER_LIMIT);
      r->set_limit(item.limit());
      r->set_remaining(item.limit() - item.hits());
      r->set_reset_time(kResetTime);
    }
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* HealthCheck(grpc::CallbackServerContext* ctx,
                                        const pb::gubernator::HealthCheckReq*,
                                        pb::gubernator::HealthCheckResp* resp) override {
    resp->set_status("healthy");
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* LiveCheck(grpc::CallbackServerContext* ctx,
                                      const pb::gubernator::LiveCheckReq*,
                                      pb::gubernator::LiveCheckResp*) override {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  api::ArenaMessageAllocator<pb::gubernator::GetRateLimitsReq, pb::gubernator::GetRateLimitsResp>
      allocator_;  // as src/api/gubernator_service.h
};

// A raw method like api::EnvoyService: the request parsed onto an api::EnvoyCall, the answer
// written straight to wire bytes.
class NullEnvoy final
    : public envoy::service::ratelimit::v3::RateLimitService::WithRawCallbackMethod_ShouldRateLimit<
          envoy::service::ratelimit::v3::RateLimitService::Service> {
 public:
  grpc::ServerUnaryReactor* ShouldRateLimit(grpc::CallbackServerContext* ctx,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override {
    auto* reactor = ctx->DefaultReactor();
    auto call = std::make_unique<api::EnvoyCall>();
    if (!api::ParseEnvoyRequest(*request, call->request)) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad request"));
      return reactor;
    }
    call->answer.overall_code = RateLimitResponse::OK;
    call->answer.statuses.resize(call->request->descriptors_size());
    for (api::EnvoyDescriptorStatus& status : call->answer.statuses) {
      status.code = RateLimitResponse::OK;
      status.has_current_limit = true;
      status.requests_per_unit = 1'000'000'000;
      status.unit = RateLimitResponse::RateLimit::HOUR;
      status.limit_remaining = 999'999'999;
      status.has_duration_until_reset = true;
      status.reset_seconds = 1800;
    }
    *response = api::EnvoyWireBuffer(call->answer);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

struct Flags {
  std::string grpc_address = "127.0.0.1:1151";
  std::string http_address = "127.0.0.1:1150";
  int http_threads = 0;  // 0 = one per CPU, as sluice --http-threads 0
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    if (arg == "--addr" || arg == "-a") {
      flags->grpc_address = argv[++i];
    } else if (arg == "--http-addr") {
      flags->http_address = argv[++i];
    } else if (arg == "--http-threads") {
      flags->http_threads = std::atoi(argv[++i]);
    } else {
      return false;
    }
  }
  return true;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: null_server [--addr HOST:PORT] [--http-addr HOST:PORT] "
                 "[--http-threads N]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  NullGubernator gubernator;
  NullEnvoy envoy;
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(flags.grpc_address, grpc::InsecureServerCredentials(), &grpc_port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.RegisterService(&gubernator);
  builder.RegisterService(&envoy);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (!grpc_server || grpc_port == 0) {
    std::fprintf(stderr, "null_server: cannot listen on gRPC address '%s'\n",
                 flags.grpc_address.c_str());
    return 1;
  }

  int threads = flags.http_threads > 0 ? flags.http_threads
                                       : static_cast<int>(std::thread::hardware_concurrency());
  net::HttpServer http(
      net::HttpServerOptions{.address = flags.http_address, .threads = std::max(1, threads)});
  http.Route("POST", "/v1/GetRateLimits", [](const net::HttpRequest&, net::HttpRespond respond) {
    respond(net::HttpResponse{.body = kHttpAnswer});
  });
  // An OTLP/HTTP sink for the tracing rows of bench/run.sh: accepts and discards spans.
  http.Route("POST", "/v1/traces", [](const net::HttpRequest&, net::HttpRespond respond) {
    respond(net::HttpResponse{.body = "{}"});
  });
  http.Route("GET", "/v1/HealthCheck", [](const net::HttpRequest&, net::HttpRespond respond) {
    respond(net::HttpResponse{.body = R"({"status":"healthy","peer_count":1})"});
  });
  if (absl::Status status = http.Start(); !status.ok()) {
    std::fprintf(stderr, "null_server: %s\n", std::string(status.message()).c_str());
    grpc_server->Shutdown();
    return 1;
  }
  std::fprintf(stderr, "null_server ready: gRPC on port %d, HTTP on port %d\n", grpc_port,
               http.port());

  int signal = 0;
  while (sigwait(&signals, &signal) != 0) {
  }
  http.Stop();
  grpc_server->Shutdown(std::chrono::system_clock::now());
  return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as src/server/main.cc
  return sluice::bench::Main(argc, argv);
}
