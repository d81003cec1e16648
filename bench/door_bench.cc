// The decision path of each door without its transport: GubernatorHandler::GetRateLimits beside
// EnvoyHandler::ShouldRateLimit with descriptors matched by the rules (1, 4 and 16 items each),
// both on a LocalRouter over the same store. The difference is what the Envoy door adds; the
// slope from 1 to 16 items is its cost per descriptor. Measured alone as well: the rules lookup,
// a plain hash-map lookup (the yardstick of issue 3's goal), the counter key, and each door's
// answer for one decision, and the Envoy door through the generated message (the old way).
// Each door runs as its gRPC method does, up to the response's wire bytes: per-call messages from
// api::ArenaMessageAllocator and the generated response serialized by gRPC's protobuf traits for
// Gubernator; an api::EnvoyCall and the answer written by api::EnvoyWireBuffer for Envoy. The
// request is prebuilt for both (parsing is the transport's, measured by `make bench`).
// Run: build/release/bench/door_bench; instruction counts: bench/door_cost.sh
#include <benchmark/benchmark.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "api/arena_message_allocator.h"
#include "api/envoy_handler.h"
#include "api/envoy_service.h"
#include "api/envoy_wire.h"
#include "api/gubernator_handler.h"
#include "api/health.h"
#include "cluster/peer_wire.h"
#include "cluster/router.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "rules/counter_key.h"
#include "rules/rule_parser.h"
#include "rules/rule_set.h"
#include "rules/rule_store.h"

namespace sluice {
namespace {

// One domain, one level: kExactValues exact rules generic_key=limited<i> and the value-less
// default rule `user`. Every limit is far above what a run can reach.
constexpr int kExactValues = 16;

std::string BenchRules() {
  std::string yaml = "domain: bench\ndescriptors:\n";
  const std::string limit = "rate_limit: {unit: hour, requests_per_unit: 2000000000}}\n";
  for (int i = 0; i < kExactValues; ++i) {
    yaml += "  - {key: generic_key, value: limited" + std::to_string(i) + ", " + limit;
  }
  // Value-less like `user`: one limit, and two on one descriptor (`rate_limits`, a second and
  // an hour), for the cost of a second limit.
  yaml += "  - {key: one_limit, " + limit;
  yaml += "  - {key: two_limits, rate_limits: [{unit: second, requests_per_unit: 2000000000}, "
          "{unit: hour, requests_per_unit: 2000000000}]}\n";
  return yaml + "  - {key: user, " + limit;
}

struct Fixture {
  core::ManualClock clock{1'700'000'000'000};
  core::Store store;
  core::Limiter limiter{store};
  cluster::LocalRouter router{limiter};
  cluster::StandaloneHealth health{"127.0.0.1:1051"};
  rules::RuleStore rules{""};
  api::GubernatorHandler gubernator{router, clock, health};
  api::EnvoyHandler envoy{router, clock, rules, api::EnvoyOptions{}};

  Fixture() {
    std::vector<rules::Domain> domains;
    domains.push_back(*rules::ParseRules("bench.yaml", BenchRules()));
    rules.Replace(*rules::RuleSet::Create(std::move(domains)));
  }
};

// What gRPC does with a typed method's response: protobuf's serialization into a ByteBuffer.
template <typename Message>
grpc::ByteBuffer Serialize(const Message& message) {
  grpc::ByteBuffer wire;
  bool own_buffer = false;
  grpc::Status status = grpc::SerializationTraits<Message>::Serialize(message, &wire, &own_buffer);
  if (!status.ok()) std::abort();
  return wire;
}

// `items` items per call, each its own key.
void GubernatorDoor(benchmark::State& state, int items) {
  Fixture f;
  pb::gubernator::GetRateLimitsReq req;
  for (int i = 0; i < items; ++i) {
    auto* r = req.add_requests();
    r->set_name("requests_per_sec");
    r->set_unique_key("account:1234" + std::to_string(i));
    r->set_hits(1);
    r->set_limit(2'000'000'000);
    r->set_duration(3'600'000);
  }
  api::ArenaMessageAllocator<pb::gubernator::GetRateLimitsReq, pb::gubernator::GetRateLimitsResp>
      allocator;
  for (auto _ : state) {
    // The per-call messages the gRPC service gets; the request stays the prebuilt one.
    auto* call = allocator.AllocateMessages();
    f.gubernator.GetRateLimits(req, call->response(), [](absl::Status) {});
    benchmark::DoNotOptimize(Serialize(*call->response()));
    call->Release();
  }
}

// `descriptors` one-entry descriptors, (key, value + index), each its own counter.
envoy::service::ratelimit::v3::RateLimitRequest EnvoyRequest(int descriptors, const char* key,
                                                             const char* value) {
  envoy::service::ratelimit::v3::RateLimitRequest req;
  req.set_domain("bench");
  for (int i = 0; i < descriptors; ++i) {
    auto* e = req.add_descriptors()->add_entries();
    e->set_key(key);
    e->set_value(value + std::to_string(i));
  }
  return req;
}

void EnvoyDoor(benchmark::State& state, int descriptors, const char* key, const char* value) {
  Fixture f;
  const auto req = EnvoyRequest(descriptors, key, value);
  for (auto _ : state) {
    auto call = std::make_unique<api::EnvoyCall>();
    f.envoy.ShouldRateLimit(req, &call->answer, [](absl::Status) {});
    grpc::ByteBuffer wire = api::EnvoyWireBuffer(call->answer);
    benchmark::DoNotOptimize(wire);
  }
}

// The same Envoy calls through the generated response message and protobuf's serialization (as
// ShouldRateLimit ran before it wrote its answer directly): what the direct encoding saves.
void EnvoyDoorViaProto(benchmark::State& state, int descriptors) {
  Fixture f;
  const auto req = EnvoyRequest(descriptors, "generic_key", "limited");
  api::ArenaMessageAllocator<envoy::service::ratelimit::v3::RateLimitRequest,
                             envoy::service::ratelimit::v3::RateLimitResponse>
      allocator;
  for (auto _ : state) {
    auto* call = allocator.AllocateMessages();
    f.envoy.ShouldRateLimit(req, call->response(), [](absl::Status) {});
    benchmark::DoNotOptimize(Serialize(*call->response()));
    call->Release();
  }
}

void BM_GubernatorDoor_OneItem(benchmark::State& state) { GubernatorDoor(state, 1); }
void BM_GubernatorDoor_FourItems(benchmark::State& state) { GubernatorDoor(state, 4); }
void BM_GubernatorDoor_SixteenItems(benchmark::State& state) { GubernatorDoor(state, 16); }
void BM_EnvoyDoor_OneDescriptorExact(benchmark::State& state) {
  EnvoyDoor(state, 1, "generic_key", "limited");
}
void BM_EnvoyDoor_FourDescriptorsExact(benchmark::State& state) {
  EnvoyDoor(state, 4, "generic_key", "limited");
}
void BM_EnvoyDoor_SixteenDescriptorsExact(benchmark::State& state) {
  EnvoyDoor(state, 16, "generic_key", "limited");
}
void BM_EnvoyDoorViaProto_OneDescriptor(benchmark::State& state) { EnvoyDoorViaProto(state, 1); }
void BM_EnvoyDoorViaProto_SixteenDescriptors(benchmark::State& state) {
  EnvoyDoorViaProto(state, 16);
}
void BM_EnvoyDoor_OneDescriptorDefault(benchmark::State& state) {
  EnvoyDoor(state, 1, "user", "alice");
}
void BM_EnvoyDoor_OneLimit(benchmark::State& state) { EnvoyDoor(state, 1, "one_limit", "a"); }
void BM_EnvoyDoor_TwoLimits(benchmark::State& state) { EnvoyDoor(state, 1, "two_limits", "a"); }

// The answer each door writes for one decision, alone, up to its wire bytes: Gubernator's one
// flat RateLimitResp on the per-call arena, serialized by protobuf; the Envoy status (with the
// RateLimit and Duration sub-messages its protocol requires) in an EnvoyCall's answer, written
// directly. The difference is the cost of the answer, not of deciding.
void BM_ResponseShapeGubernator(benchmark::State& state) {
  const core::RateLimitResponse decision{core::Status::kUnderLimit, 2'000'000'000, 1'999'999'999,
                                         1'700'003'600'000, {}};
  api::ArenaMessageAllocator<pb::gubernator::GetRateLimitsReq, pb::gubernator::GetRateLimitsResp>
      allocator;
  for (auto _ : state) {
    auto* call = allocator.AllocateMessages();
    auto* responses = call->response()->mutable_responses();
    responses->Reserve(1);
    cluster::ToProto(decision, responses->Add());
    benchmark::DoNotOptimize(Serialize(*call->response()));
    call->Release();
  }
}

void BM_ResponseShapeEnvoy(benchmark::State& state) {
  using envoy::service::ratelimit::v3::RateLimitResponse;
  for (auto _ : state) {
    auto call = std::make_unique<api::EnvoyCall>();
    api::EnvoyAnswer& answer = call->answer;
    answer.statuses.resize(1);
    api::EnvoyDescriptorStatus& status = answer.statuses[0];
    status.code = RateLimitResponse::OK;
    status.has_current_limit = true;
    status.requests_per_unit = 2'000'000'000;
    status.unit = RateLimitResponse::RateLimit::HOUR;
    status.limit_remaining = 1'999'999'999;
    status.has_duration_until_reset = true;
    status.reset_seconds = 3600;
    answer.overall_code = RateLimitResponse::OK;
    grpc::ByteBuffer wire = api::EnvoyWireBuffer(answer);
    benchmark::DoNotOptimize(wire);
  }
}

// The parts the Envoy door adds, alone: the rules lookup (domain, then one level) and the
// counter key.
void BM_EnvoyRulesMatch(benchmark::State& state) {
  Fixture f;
  const std::shared_ptr<const rules::RuleSet> set = f.rules.Current();
  const rules::DescriptorEntry entry{"generic_key", "limited0"};
  for (auto _ : state) {
    const rules::Domain* domain = set->FindDomain("bench");
    rules::RuleHit hit = rules::RuleSet::Find(*domain, absl::MakeConstSpan(&entry, 1));
    benchmark::DoNotOptimize(hit);
  }
}

// The yardstick of issue 3's goal ("no more than a hash-map lookup per descriptor"): one lookup
// in a plain absl::flat_hash_map<std::string, ...> of a descriptor's composite key
// "<key>_<value>", as envoyproxy/ratelimit keeps each level of its rule tree. The key is built
// once, outside the loop: this is the lookup alone.
void BM_HashMapLookup(benchmark::State& state) {
  absl::flat_hash_map<std::string, int> level;
  for (int i = 0; i < kExactValues; ++i) {
    level.emplace("generic_key_limited" + std::to_string(i), i);
  }
  level.emplace("user", kExactValues);
  const std::string key = "generic_key_limited0";
  for (auto _ : state) {
    benchmark::DoNotOptimize(key);
    auto it = level.find(absl::string_view(key));
    benchmark::DoNotOptimize(it->second);
  }
}

void BM_EnvoyCounterKey(benchmark::State& state) {
  const rules::DescriptorEntry entry{"generic_key", "limited0"};
  for (auto _ : state) {
    std::string key =
        rules::CounterKey("bench", absl::MakeConstSpan(&entry, 1), rules::Unit::kHour);
    benchmark::DoNotOptimize(key);
  }
}

void RegisterAll(int64_t iterations) {
  const std::pair<const char*, void (*)(benchmark::State&)> all[] = {
      {"BM_GubernatorDoor_OneItem", BM_GubernatorDoor_OneItem},
      {"BM_GubernatorDoor_FourItems", BM_GubernatorDoor_FourItems},
      {"BM_EnvoyDoor_OneDescriptorExact", BM_EnvoyDoor_OneDescriptorExact},
      {"BM_EnvoyDoor_FourDescriptorsExact", BM_EnvoyDoor_FourDescriptorsExact},
      {"BM_GubernatorDoor_SixteenItems", BM_GubernatorDoor_SixteenItems},
      {"BM_EnvoyDoor_SixteenDescriptorsExact", BM_EnvoyDoor_SixteenDescriptorsExact},
      {"BM_EnvoyDoor_OneDescriptorDefault", BM_EnvoyDoor_OneDescriptorDefault},
      {"BM_EnvoyDoor_OneLimit", BM_EnvoyDoor_OneLimit},
      {"BM_EnvoyDoor_TwoLimits", BM_EnvoyDoor_TwoLimits},
      {"BM_EnvoyDoorViaProto_OneDescriptor", BM_EnvoyDoorViaProto_OneDescriptor},
      {"BM_EnvoyDoorViaProto_SixteenDescriptors", BM_EnvoyDoorViaProto_SixteenDescriptors},
      {"BM_ResponseShapeGubernator", BM_ResponseShapeGubernator},
      {"BM_ResponseShapeEnvoy", BM_ResponseShapeEnvoy},
      {"BM_EnvoyRulesMatch", BM_EnvoyRulesMatch},
      {"BM_EnvoyCounterKey", BM_EnvoyCounterKey},
      {"BM_HashMapLookup", BM_HashMapLookup},
  };
  for (const auto& [name, fn] : all) {
    auto* b = benchmark::RegisterBenchmark(name, fn);
    if (iterations > 0) b->Iterations(iterations);
  }
}

}  // namespace
}  // namespace sluice

// `--iterations=N` runs each benchmark exactly N times, for instruction counts under
// `valgrind --tool=callgrind`, which do not drift with the machine's load (bench/door_cost.sh).
int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as src/server/main.cc
  int64_t iterations = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.rfind("--iterations=", 0) == 0) {
      iterations = std::stoll(std::string(arg.substr(13)));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  sluice::RegisterAll(iterations);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
