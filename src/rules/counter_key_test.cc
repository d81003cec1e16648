#include "rules/counter_key.h"

#include <memory>
#include <string>
#include <vector>

#include "core/rate_limit.h"
#include "core/store.h"
#include "gtest/gtest.h"
#include "rules/rule_parser.h"

namespace sluice::rules {
namespace {

TEST(CounterKeyTest, JoinsDomainEntriesAndUnit) {
  EXPECT_EQ(CounterKey("sluice-demo", {{"generic_key", "limited"}}, Unit::kSecond),
            "sluice-demo_generic_key_limited_second");
  EXPECT_EQ(CounterKey("d", {{"a", "1"}, {"b", "2"}}, Unit::kHour), "d_a_1_b_2_hour");
  EXPECT_EQ(CounterKey("d", {{"remote_address", ""}}, Unit::kDay), "d_remote_address__day");
  EXPECT_EQ(CounterKey("d", {}, Unit::kYear), "d_year");
}

TEST(CounterKeyTest, DifferentUnitsNeverShareACounter) {
  EXPECT_NE(CounterKey("d", {{"k", "v"}}, Unit::kMinute),
            CounterKey("d", {{"k", "v"}}, Unit::kHour));
}

TEST(CounterKeyTest, AUnitMultiplierIsPartOfTheKeyOnlyWhenNotOne) {
  EXPECT_EQ(CounterKey("d", {{"k", "v"}}, Unit::kSecond, 1), "d_k_v_second");
  EXPECT_EQ(CounterKey("d", {{"k", "v"}}, Unit::kSecond, 30), "d_k_v_30second");
  std::string from_prefix;
  AppendCounterKey(from_prefix, "d_k_", "v", Unit::kSecond, 30);
  EXPECT_EQ(from_prefix, "d_k_v_30second");
}

TEST(CounterKeyTest, AppendKeepsWhatIsAlreadyThere) {
  std::string out = "prefix:";
  AppendCounterKey(out, "d", {{"a", "1"}}, Unit::kMinute);
  EXPECT_EQ(out, "prefix:d_a_1_minute");
  std::string empty;
  AppendCounterKey(empty, "d", {{"a", "1"}}, Unit::kMinute);
  EXPECT_EQ(empty, CounterKey("d", {{"a", "1"}}, Unit::kMinute));
}

// Every kind of match: exact, default, wildcard, nested under an exact or a default level.
std::shared_ptr<const RuleSet> EveryKindOfMatch() {
  std::vector<Domain> domains;
  domains.push_back(*ParseRules("d.yaml", R"(domain: d
descriptors:
  - {key: a, value: x, rate_limit: {unit: second, requests_per_unit: 1}}
  - {key: a, rate_limit: {unit: minute, requests_per_unit: 1}}
  - {key: w, value: "p*", rate_limit: {unit: hour, requests_per_unit: 1}}
  - key: n
    value: "1"
    descriptors:
      - {key: m, rate_limit: {unit: day, requests_per_unit: 1}}
      - {key: m, value: "2", rate_limit: {unit: week, requests_per_unit: 1}}
  - key: u
    descriptors:
      - {key: m, rate_limit: {unit: month, requests_per_unit: 1}}
)"));
  return *RuleSet::Create(std::move(domains));
}

// The Envoy door keys a matched descriptor from the rule's precomputed parts; for every kind of
// match (exact, default, wildcard, nested, empty value) that must be the general formula's key.
TEST(CounterKeyTest, PrecomputedPartsGiveTheGeneralKey) {
  const auto set = EveryKindOfMatch();
  const Domain& domain = *set->FindDomain("d");
  const std::vector<std::vector<DescriptorEntry>> requests = {
      {{"a", "x"}}, {{"a", "y"}}, {{"a", ""}}, {{"w", "p1"}},
      {{"n", "1"}, {"m", "z"}}, {{"n", "1"}, {"m", "2"}}, {{"u", "q"}, {"m", "r"}}};
  int precomputed = 0;
  for (const auto& entries : requests) {
    const RuleHit hit = RuleSet::Find(domain, entries);
    ASSERT_NE(hit.policy, nullptr) << entries[0].first;
    precomputed += !hit.counter_key.empty() || !hit.counter_key_prefix.empty();
    for (Unit unit : {hit.policy->unit, Unit::kYear}) {  // a per-request override's unit too
      std::string key = "kept:";
      AppendCounterKey(key, hit, "d", entries, unit);
      EXPECT_EQ(key, "kept:" + CounterKey("d", entries, unit));
    }
  }
  EXPECT_EQ(precomputed, 6);  // all but the level below the default `u`
}

// A precomputed store hash lets the store skip hashing the key, so it must be exactly the hash
// of the key the request then carries; where the key is not the precomputed one, there is none.
TEST(CounterKeyTest, PrecomputedHashIsTheStoreHashOfTheKeyUsed) {
  const auto set = EveryKindOfMatch();
  const Domain& domain = *set->FindDomain("d");
  // The store hash AppendCounterKey returns for `entries` counted in `unit`.
  auto hash_of = [](const RuleHit& hit, absl::Span<const DescriptorEntry> entries, Unit unit) {
    std::string key;
    return AppendCounterKey(key, hit, "d", entries, unit);
  };
  const std::vector<std::vector<DescriptorEntry>> static_keys = {{{"a", "x"}},
                                                                 {{"n", "1"}, {"m", "2"}}};
  for (const auto& entries : static_keys) {
    const RuleHit hit = RuleSet::Find(domain, entries);
    ASSERT_NE(hit.policy, nullptr);
    const std::string key = CounterKey("d", entries, hit.policy->unit);
    EXPECT_EQ(hash_of(hit, entries, hit.policy->unit),
              core::Store::KeyHash(core::HashKey(kEnvoyCounterName, key)))
        << key;
    EXPECT_NE(hash_of(hit, entries, hit.policy->unit), 0u) << key;
    EXPECT_EQ(hash_of(hit, entries, Unit::kYear), 0u) << "an override's unit makes another key";
  }
  // Default and wildcard matches take the request's value: no static key, no hash.
  for (const auto& entries : std::vector<std::vector<DescriptorEntry>>{
           {{"a", "y"}}, {{"w", "p1"}}, {{"n", "1"}, {"m", "z"}}, {{"u", "q"}, {"m", "r"}}}) {
    const RuleHit hit = RuleSet::Find(domain, entries);
    ASSERT_NE(hit.policy, nullptr);
    EXPECT_EQ(hash_of(hit, entries, hit.policy->unit), 0u) << entries[0].second;
  }
  const std::vector<DescriptorEntry> unmatched = {{"a", "x"}};
  EXPECT_EQ(hash_of(RuleHit{}, unmatched, Unit::kSecond), 0u);
}

}  // namespace
}  // namespace sluice::rules
