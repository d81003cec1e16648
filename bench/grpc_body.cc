// grpc_body: writes the request bodies h2load posts as gRPC calls, and checks that a server
// answers one of them correctly (h2load only sees the HTTP/2 status, never grpc-status, so
// bench/run.sh verifies every body once against every server before loading it).
//
// A body file is one gRPC message frame: a 0 byte (not compressed), the message length as 4
// bytes big-endian, then the serialized request.
//
//   grpc_body gubernator --out F [--items 1] [--keys 10000] [--seed 1] [--behavior 0]
//       GetRateLimitsReq with `items` distinct keys "key_<n>", n uniform in [0, keys): name
//       "bench", 1 hit, limit 1e9 per hour (never over the limit during a run).
//   grpc_body envoy --out F [--descriptors 1] [--keys 10000] [--seed 1] [--domain bench]
//       RateLimitRequest with `descriptors` descriptors of one entry each, keys user, tenant,
//       path (bench/rules.yaml gives each a value-less rule, so every value is its own counter).
//   grpc_body check --addr HOST:PORT --file F --service gubernator|envoy
//       Sends the body's request with a gRPC client; exits 0 when the call and every item
//       succeeded, and prints what it got otherwise.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>

#include "args.h"
#include "envoy/service/ratelimit/v3/rls.grpc.pb.h"
#include "gubernator.grpc.pb.h"
#include "probe_client.h"

namespace sluice::bench {
namespace {

using envoy::service::ratelimit::v3::RateLimitRequest;
using envoy::service::ratelimit::v3::RateLimitResponse;

constexpr char kEnvoyKeys[][8] = {"user", "tenant", "path"};

bool WriteFrame(const std::string& path, const google::protobuf::Message& message) {
  std::string payload = message.SerializeAsString();
  const auto n = static_cast<uint32_t>(payload.size());
  std::string frame;
  frame.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(n >> shift));
  frame += payload;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  return static_cast<bool>(out);
}

bool ReadFrame(const std::string& path, google::protobuf::Message* message) {
  std::ifstream in(path, std::ios::binary);
  std::string frame((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return frame.size() >= 5 && message->ParseFromString(frame.substr(5));
}

// `count` distinct values in [0, keys), drawn uniformly.
std::vector<int64_t> DistinctKeys(int64_t count, int64_t keys, std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> pick(0, keys - 1);
  std::set<int64_t> seen;
  std::vector<int64_t> out;
  while (static_cast<int64_t>(out.size()) < count) {
    int64_t k = pick(rng);
    if (seen.insert(k).second || static_cast<int64_t>(seen.size()) >= keys) out.push_back(k);
  }
  return out;
}

int Gubernator(const Args& args) {
  std::mt19937_64 rng(static_cast<uint64_t>(args.GetInt("--seed", 1)));
  pb::gubernator::GetRateLimitsReq req;
  for (int64_t k : DistinctKeys(args.GetInt("--items", 1), args.GetInt("--keys", 10000), rng)) {
    *req.add_requests() = BenchItem("key_" + std::to_string(k), 1, 1'000'000'000, 3'600'000,
                                    static_cast<int>(args.GetInt("--behavior", 0)));
  }
  return WriteFrame(args.Get("--out", ""), req) ? 0 : 1;
}

int Envoy(const Args& args) {
  std::mt19937_64 rng(static_cast<uint64_t>(args.GetInt("--seed", 1)));
  const int64_t keys = args.GetInt("--keys", 10000);
  std::uniform_int_distribution<int64_t> pick(0, keys - 1);
  RateLimitRequest req;
  req.set_domain(args.Get("--domain", "bench"));
  const int64_t descriptors = std::min<int64_t>(args.GetInt("--descriptors", 1), 3);
  for (int64_t i = 0; i < descriptors; ++i) {
    auto* entry = req.add_descriptors()->add_entries();
    entry->set_key(kEnvoyKeys[i]);
    entry->set_value("v_" + std::to_string(pick(rng)));
  }
  req.set_hits_addend(1);
  return WriteFrame(args.Get("--out", ""), req) ? 0 : 1;
}

int Check(const Args& args) {
  const std::string address = args.Get("--addr", "");
  const std::string file = args.Get("--file", "");
  const std::string service = args.Get("--service", "gubernator");
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (service == "envoy") {
    RateLimitRequest req;
    RateLimitResponse resp;
    if (!ReadFrame(file, &req))
      return std::fprintf(stderr, "check: cannot read %s\n", file.c_str()), 1;
    auto stub = envoy::service::ratelimit::v3::RateLimitService::NewStub(channel);
    grpc::Status status = stub->ShouldRateLimit(&ctx, req, &resp);
    if (!status.ok() || resp.overall_code() != RateLimitResponse::OK ||
        resp.statuses_size() != req.descriptors_size()) {
      std::fprintf(stderr, "check %s %s: grpc %d '%s', answer: %s\n", address.c_str(), file.c_str(),
                   status.error_code(), status.error_message().c_str(),
                   resp.ShortDebugString().c_str());
      return 1;
    }
    std::printf("ok descriptors=%d\n", resp.statuses_size());
    return 0;
  }
  pb::gubernator::GetRateLimitsReq req;
  pb::gubernator::GetRateLimitsResp resp;
  if (!ReadFrame(file, &req))
    return std::fprintf(stderr, "check: cannot read %s\n", file.c_str()), 1;
  auto stub = pb::gubernator::V1::NewStub(channel);
  grpc::Status status = stub->GetRateLimits(&ctx, req, &resp);
  bool ok = status.ok() && resp.responses_size() == req.requests_size();
  int forwarded = 0;
  for (const auto& r : resp.responses()) {
    ok = ok && r.error().empty() && r.status() == pb::gubernator::UNDER_LIMIT;
    forwarded += r.metadata().count("owner") ? 1 : 0;
  }
  if (!ok) {
    std::fprintf(stderr, "check %s %s: grpc %d '%s', answer: %.500s\n", address.c_str(),
                 file.c_str(), status.error_code(), status.error_message().c_str(),
                 resp.ShortDebugString().c_str());
    return 1;
  }
  std::printf("ok items=%d owned_elsewhere=%d\n", resp.responses_size(), forwarded);
  return 0;
}

int Main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  Args args(argc, argv, 2);
  if (!args.ok() || (command != "gubernator" && command != "envoy" && command != "check")) {
    std::fprintf(stderr, "usage: grpc_body gubernator|envoy|check --flag value ... (see source)\n");
    return 2;
  }
  int rc = command == "gubernator" ? Gubernator(args)
           : command == "envoy"    ? Envoy(args)
                                   : Check(args);
  if (std::string unused = args.Unused(); !unused.empty()) {
    std::fprintf(stderr, "grpc_body: unknown flag %s\n", unused.c_str());
    return 2;
  }
  return rc;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) { return sluice::bench::Main(argc, argv); }
