// The decision path of each door without its transport: GubernatorHandler::GetRateLimits with
// one item beside EnvoyHandler::ShouldRateLimit with one descriptor matched by the rules, both
// on a LocalRouter over the same store. The difference is what the Envoy door adds (rules
// lookup, counter key, response shape). Responses come from api::ArenaMessageAllocator, as the
// gRPC services get them. The rules lookup and the counter key are also measured alone.
// Run: build/release/bench/door_bench
#include <benchmark/benchmark.h>

#include "api/arena_message_allocator.h"
#include "api/envoy_handler.h"
#include "api/gubernator_handler.h"
#include "api/health.h"
#include "cluster/router.h"
#include "core/clock.h"
#include "core/limiter.h"
#include "core/store.h"
#include "absl/synchronization/mutex.h"
#include "rules/counter_key.h"
#include "rules/rule_parser.h"
#include "rules/rule_set.h"

namespace sluice {
namespace {

constexpr char kRules[] = R"(domain: bench
descriptors:
  - key: generic_key
    value: limited
    rate_limit: {unit: hour, requests_per_unit: 2000000000}
  - key: user
    rate_limit: {unit: hour, requests_per_unit: 2000000000}
)";

struct Fixture {
  core::ManualClock clock{1'700'000'000'000};
  core::Store store;
  core::Limiter limiter{store};
  cluster::LocalRouter router{limiter};
  api::StandaloneHealth health{"127.0.0.1:1051"};
  std::shared_ptr<const rules::RuleSet> rules = [] {
    std::vector<rules::Domain> domains;
    domains.push_back(*rules::ParseRules("bench.yaml", kRules));
    return *rules::RuleSet::Create(std::move(domains));
  }();
  api::GubernatorHandler gubernator{router, clock, health};
  api::EnvoyHandler envoy{router, clock, [this] { return rules; }, api::EnvoyOptions{}};
};

void BM_GubernatorDoor_OneItem(benchmark::State& state) {
  Fixture f;
  pb::gubernator::GetRateLimitsReq req;
  auto* r = req.add_requests();
  r->set_name("requests_per_sec");
  r->set_unique_key("account:12345");
  r->set_hits(1);
  r->set_limit(2'000'000'000);
  r->set_duration(3'600'000);
  api::ArenaMessageAllocator<pb::gubernator::GetRateLimitsReq, pb::gubernator::GetRateLimitsResp>
      allocator;
  for (auto _ : state) {
    // The per-call messages the gRPC service gets; the request stays the prebuilt one.
    auto* call = allocator.AllocateMessages();
    f.gubernator.GetRateLimits(req, call->response(), [](absl::Status) {});
    benchmark::DoNotOptimize(call->response());
    call->Release();
  }
}

void EnvoyDoor(benchmark::State& state, const char* key, const char* value) {
  Fixture f;
  envoy::service::ratelimit::v3::RateLimitRequest req;
  req.set_domain("bench");
  auto* e = req.add_descriptors()->add_entries();
  e->set_key(key);
  e->set_value(value);
  api::ArenaMessageAllocator<envoy::service::ratelimit::v3::RateLimitRequest,
                             envoy::service::ratelimit::v3::RateLimitResponse>
      allocator;
  for (auto _ : state) {
    auto* call = allocator.AllocateMessages();
    f.envoy.ShouldRateLimit(req, call->response(), [](absl::Status) {});
    benchmark::DoNotOptimize(call->response());
    call->Release();
  }
}

void BM_EnvoyDoor_OneDescriptorExact(benchmark::State& state) {
  EnvoyDoor(state, "generic_key", "limited");
}
void BM_EnvoyDoor_OneDescriptorDefault(benchmark::State& state) {
  EnvoyDoor(state, "user", "alice");
}

// The parts the Envoy door adds, alone: the rules lookup (domain, then one level) and the
// counter key.
void BM_EnvoyRulesMatch(benchmark::State& state) {
  Fixture f;
  const rules::DescriptorEntry entry{"generic_key", "limited"};
  for (auto _ : state) {
    auto match = f.rules->Match("bench", absl::MakeConstSpan(&entry, 1));
    benchmark::DoNotOptimize(match);
  }
}

void BM_EnvoyCounterKey(benchmark::State& state) {
  const rules::DescriptorEntry entry{"generic_key", "limited"};
  for (auto _ : state) {
    std::string key =
        rules::CounterKey("bench", absl::MakeConstSpan(&entry, 1), rules::Unit::kHour);
    benchmark::DoNotOptimize(key);
  }
}

BENCHMARK(BM_GubernatorDoor_OneItem);
BENCHMARK(BM_EnvoyDoor_OneDescriptorExact);
BENCHMARK(BM_EnvoyDoor_OneDescriptorDefault);
BENCHMARK(BM_EnvoyRulesMatch);
BENCHMARK(BM_EnvoyCounterKey);

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as src/server/main.cc
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
