#include "rules/rule_set.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rules/rule_parser.h"

namespace sluice::rules {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const RuleSet> MustBuild(const std::vector<std::string>& files) {
  std::vector<Domain> domains;
  for (size_t i = 0; i < files.size(); ++i) {
    absl::StatusOr<Domain> domain = ParseRules("f" + std::to_string(i) + ".yaml", files[i]);
    EXPECT_TRUE(domain.ok()) << domain.status();
    if (domain.ok()) domains.push_back(*std::move(domain));
  }
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = RuleSet::Create(std::move(domains));
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *set : RuleSet::Empty();
}

// The limit `entries` gets in `domain`, as "<requests>/<unit>", "unlimited", or "none".
std::string Limit(const RuleSet& set, std::string_view domain,
                  const std::vector<DescriptorEntry>& entries) {
  std::optional<RuleMatch> match = set.Match(domain, entries);
  if (!match.has_value()) return "none";
  if (match->policy->unlimited) return "unlimited";
  return std::to_string(match->policy->requests_per_unit) + "/" +
         std::string(UnitName(match->policy->unit));
}

// README example 1: simple keys.
TEST(RuleSetMatchTest, ExactValues) {
  auto set = MustBuild({R"(
domain: mongo_cps
descriptors:
  - key: database
    value: users
    rate_limit: {unit: second, requests_per_unit: 500}
  - key: database
    value: default
    rate_limit: {unit: second, requests_per_unit: 50}
)"});
  EXPECT_EQ(Limit(*set, "mongo_cps", {{"database", "users"}}), "500/second");
  EXPECT_EQ(Limit(*set, "mongo_cps", {{"database", "default"}}), "50/second");
  EXPECT_EQ(Limit(*set, "mongo_cps", {{"database", "orders"}}), "none");
  EXPECT_EQ(Limit(*set, "other_domain", {{"database", "users"}}), "none");
  EXPECT_EQ(Limit(*set, "mongo_cps", {}), "none");
}

TEST(RuleSetMatchTest, MatchingWithinAFoundDomainIsMatchingByName) {
  auto set = MustBuild({R"(
domain: api
descriptors:
  - key: plan
    value: free
    descriptors:
      - {key: user, rate_limit: {unit: minute, requests_per_unit: 60}}
)"});
  const Domain* domain = set->FindDomain("api");
  ASSERT_NE(domain, nullptr);
  const std::vector<DescriptorEntry> entries = {{"plan", "free"}, {"user", "alice"}};
  auto by_name = set->Match("api", entries);
  auto by_domain = RuleSet::Match(*domain, entries);
  ASSERT_TRUE(by_name && by_domain);
  EXPECT_EQ(by_domain->policy, by_name->policy);
  EXPECT_EQ(by_domain->config_path, by_name->config_path);
  const RuleHit hit = RuleSet::Find(*domain, entries);
  EXPECT_EQ(hit.policy, by_name->policy);
  EXPECT_EQ(hit.shadow_mode, by_name->shadow_mode);
  EXPECT_EQ(RuleSet::Find(*domain, {}).policy, nullptr);
  EXPECT_EQ(RuleSet::Find(*domain, absl::MakeConstSpan(entries).subspan(0, 1)).policy, nullptr);
  EXPECT_FALSE(RuleSet::Match(*domain, {}));
  EXPECT_FALSE(RuleSet::Match(*domain, absl::MakeConstSpan(entries).subspan(0, 1)));
}

TEST(RuleSetMatchTest, FindDomainIsExactWithOneDomainAndWithSeveral) {
  const std::string api = "domain: api\ndescriptors:\n  - key: k\n";
  const std::string web = "domain: web\ndescriptors:\n  - key: k\n";
  for (const auto& set : {MustBuild({api}), MustBuild({api, web})}) {
    ASSERT_NE(set->FindDomain("api"), nullptr);
    EXPECT_EQ(set->FindDomain("api")->name, "api");
    EXPECT_EQ(set->FindDomain("ap"), nullptr);
    EXPECT_EQ(set->FindDomain("apix"), nullptr);
    EXPECT_EQ(set->FindDomain("API"), nullptr);
    EXPECT_EQ(set->FindDomain(""), nullptr);
    EXPECT_EQ(set->FindDomain("web") != nullptr, set->domain_count() == 2);
  }
  EXPECT_EQ(RuleSet::Empty()->FindDomain("api"), nullptr);
}

// README example 2: nested keys; a default `key` at one level and a specific value elsewhere.
TEST(RuleSetMatchTest, NestedKeys) {
  auto set = MustBuild({R"(
domain: messaging
descriptors:
  - key: message_type
    value: marketing
    descriptors:
      - key: to_number
        rate_limit: {unit: day, requests_per_unit: 5}
  - key: to_number
    rate_limit: {unit: day, requests_per_unit: 100}
)"});
  EXPECT_EQ(Limit(*set, "messaging", {{"message_type", "marketing"}, {"to_number", "2061111111"}}),
            "5/day");
  EXPECT_EQ(Limit(*set, "messaging", {{"to_number", "2061111111"}}), "100/day");
  // The intermediate node has no rate_limit of its own.
  EXPECT_EQ(Limit(*set, "messaging", {{"message_type", "marketing"}}), "none");
  EXPECT_EQ(Limit(*set, "messaging", {{"message_type", "transactional"}, {"to_number", "1"}}),
            "none");
}

// README example 3: a specific value overrides the default for the key.
TEST(RuleSetMatchTest, ExactBeatsDefault) {
  auto set = MustBuild({R"(
domain: edge_proxy_per_ip
descriptors:
  - key: remote_address
    rate_limit: {unit: second, requests_per_unit: 10}
  - key: remote_address
    value: 50.0.0.5
    rate_limit: {unit: second, requests_per_unit: 0}
)"});
  EXPECT_EQ(Limit(*set, "edge_proxy_per_ip", {{"remote_address", "10.0.0.1"}}), "10/second");
  EXPECT_EQ(Limit(*set, "edge_proxy_per_ip", {{"remote_address", "50.0.0.5"}}), "0/second");
  EXPECT_EQ(Limit(*set, "edge_proxy_per_ip", {{"remote_address", ""}}), "10/second");
}

// README example 4: the depth of the request must equal the depth of the rule.
TEST(RuleSetMatchTest, DepthMustMatch) {
  auto set = MustBuild({R"(
domain: example4
descriptors:
  - key: key
    value: value
    rate_limit: {unit: second, requests_per_unit: 300}
    descriptors:
      - key: subkey
        value: subvalue
        rate_limit: {unit: second, requests_per_unit: 100}
)"});
  EXPECT_EQ(Limit(*set, "example4", {{"key", "value"}}), "300/second");
  EXPECT_EQ(Limit(*set, "example4", {{"key", "value"}, {"subkey", "subvalue"}}), "100/second");
  // Two entries never use the depth-1 limit, even though the first entry matched it.
  EXPECT_EQ(Limit(*set, "example4", {{"key", "value"}, {"subkey", "other"}}), "none");
  // Deeper than the config.
  EXPECT_EQ(Limit(*set, "example4", {{"key", "value"}, {"subkey", "subvalue"}, {"x", "y"}}),
            "none");
}

TEST(RuleSetMatchTest, NoBacktrackingAfterAnExactMatch) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: user
    value: alice
    descriptors:
      - key: path
        value: /admin
        rate_limit: {unit: minute, requests_per_unit: 1}
  - key: user
    descriptors:
      - key: path
        rate_limit: {unit: minute, requests_per_unit: 60}
)"});
  EXPECT_EQ(Limit(*set, "d", {{"user", "bob"}, {"path", "/home"}}), "60/minute");
  EXPECT_EQ(Limit(*set, "d", {{"user", "alice"}, {"path", "/admin"}}), "1/minute");
  // user_alice matched, so the `user` default is never retried when /home fails below it.
  EXPECT_EQ(Limit(*set, "d", {{"user", "alice"}, {"path", "/home"}}), "none");
}

TEST(RuleSetMatchTest, NoBacktrackingAfterAWildcardMatch) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: path
    value: /api/*
    descriptors:
      - key: method
        value: POST
        rate_limit: {unit: second, requests_per_unit: 1}
  - key: path
    descriptors:
      - key: method
        rate_limit: {unit: second, requests_per_unit: 9}
)"});
  EXPECT_EQ(Limit(*set, "d", {{"path", "/api/x"}, {"method", "POST"}}), "1/second");
  EXPECT_EQ(Limit(*set, "d", {{"path", "/api/x"}, {"method", "GET"}}), "none");
  EXPECT_EQ(Limit(*set, "d", {{"path", "/web"}, {"method", "GET"}}), "9/second");
}

TEST(RuleSetMatchTest, WildcardsBetweenExactAndDefault) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: path
    value: /api/v1/*
    rate_limit: {unit: second, requests_per_unit: 1}
  - key: path
    value: /api/*
    rate_limit: {unit: second, requests_per_unit: 2}
  - key: path
    value: /api/v1/special
    rate_limit: {unit: second, requests_per_unit: 3}
  - key: path
    value: "*/orders/*/items"
    rate_limit: {unit: second, requests_per_unit: 4}
  - key: path
    value: "/shop*cart*"
    rate_limit: {unit: second, requests_per_unit: 5}
  - key: path
    rate_limit: {unit: second, requests_per_unit: 6}
)"});
  EXPECT_EQ(Limit(*set, "d", {{"path", "/api/v1/special"}}), "3/second");    // exact first
  EXPECT_EQ(Limit(*set, "d", {{"path", "/api/v1/users"}}), "1/second");      // first pattern wins
  EXPECT_EQ(Limit(*set, "d", {{"path", "/api/v1/"}}), "1/second");           // `*` may be empty
  EXPECT_EQ(Limit(*set, "d", {{"path", "/api/v2"}}), "2/second");            // prefix
  EXPECT_EQ(Limit(*set, "d", {{"path", "/x/orders/7/items"}}), "4/second");  // leading + middle
  EXPECT_EQ(Limit(*set, "d", {{"path", "/shop/big-cart/1"}}), "5/second");   // several
  EXPECT_EQ(Limit(*set, "d", {{"path", "/shop"}}), "6/second");              // default
  EXPECT_EQ(Limit(*set, "d", {{"path", "/x/orders/7/items/2"}}), "6/second");
}

TEST(RuleSetMatchTest, WildcardOrderIsConfigOrder) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: path
    value: /api/*
    rate_limit: {unit: second, requests_per_unit: 2}
  - key: path
    value: /api/v1/*
    rate_limit: {unit: second, requests_per_unit: 1}
)"});
  EXPECT_EQ(Limit(*set, "d", {{"path", "/api/v1/users"}}), "2/second");
}

// The reference looks the literal key_value up first, so a value spelled like a later pattern
// gets that pattern's own rule, not the first wildcard that matches it.
TEST(RuleSetMatchTest, AValueSpelledLikeAPatternMatchesItExactly) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: method
    value: '*'
    rate_limit: {unit: minute, requests_per_unit: 4}
  - key: method
    value: 'a*'
    rate_limit: {unit: day, requests_per_unit: 0}
)"});
  EXPECT_EQ(Limit(*set, "d", {{"method", "a*"}}), "0/day");
  EXPECT_EQ(Limit(*set, "d", {{"method", "ab"}}), "4/minute");
  std::optional<RuleMatch> exact = set->Match("d", {{"method", "a*"}});
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->rule_id(), "d.method_a*");
}

TEST(RuleSetMatchTest, UnlimitedAndNodesWithoutLimit) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: generic_key
    value: internal
    rate_limit: {unlimited: true}
  - key: generic_key
    value: whitelisted
)"});
  EXPECT_EQ(Limit(*set, "d", {{"generic_key", "internal"}}), "unlimited");
  EXPECT_EQ(Limit(*set, "d", {{"generic_key", "whitelisted"}}), "none");
}

TEST(RuleSetMatchTest, ShadowModeAndPolicyDetails) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: k
    value: shadow
    shadow_mode: true
    rate_limit: {unit: Hour, requests_per_unit: 7, name: trial, algorithm: leaky_bucket}
  - key: k
    value: real
    rate_limit: {unit: YEAR, requests_per_unit: 8}
)"});
  std::optional<RuleMatch> shadow = set->Match("d", {{"k", "shadow"}});
  ASSERT_TRUE(shadow.has_value());
  EXPECT_TRUE(shadow->shadow_mode);
  EXPECT_TRUE(RuleSet::Find(*set->FindDomain("d"), {{"k", "shadow"}}).shadow_mode);
  EXPECT_EQ(shadow->policy->name, "trial");
  EXPECT_EQ(shadow->policy->unit, Unit::kHour);
  EXPECT_EQ(shadow->policy->algorithm, RuleAlgorithm::kLeakyBucket);
  std::optional<RuleMatch> real = set->Match("d", {{"k", "real"}});
  ASSERT_TRUE(real.has_value());
  EXPECT_FALSE(real->shadow_mode);
  EXPECT_EQ(real->policy->unit, Unit::kYear);
}

TEST(RuleSetMatchTest, RuleIdentity) {
  auto set = MustBuild({R"(
domain: d
descriptors:
  - key: tenant
    value: acme
    descriptors:
      - key: user
        rate_limit: {unit: second, requests_per_unit: 1}
  - key: path
    value: /api/*
    descriptors:
      - key: method
        value: GET
        rate_limit: {unit: second, requests_per_unit: 1}
)"});
  std::optional<RuleMatch> m = set->Match("d", {{"tenant", "acme"}, {"user", "bob"}});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->config_path, "d.tenant_acme.user");
  EXPECT_EQ(m->rule_id(), "d.tenant_acme.user");
  EXPECT_TRUE(m->wildcard_id.empty());

  m = set->Match("d", {{"path", "/api/users"}, {"method", "GET"}});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->config_path, "d.path_/api/*.method_GET");
  EXPECT_EQ(m->rule_id(), "d.path_/api/users.method_GET");
  RuleMatch copy = *m;
  EXPECT_EQ(copy.rule_id(), "d.path_/api/users.method_GET");
}

TEST(RuleSetTest, SeveralDomains) {
  auto set =
      MustBuild({"domain: a\ndescriptors: [{key: k, rate_limit: {unit: second, "
                 "requests_per_unit: 1}}]\n",
                 "domain: b\ndescriptors: [{key: k, rate_limit: {unit: minute, "
                 "requests_per_unit: 2}}]\n"});
  EXPECT_EQ(set->domain_count(), 2u);
  EXPECT_EQ(set->DomainNames(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(set->HasDomain("a"));
  EXPECT_FALSE(set->HasDomain("c"));
  EXPECT_EQ(Limit(*set, "a", {{"k", "v"}}), "1/second");
  EXPECT_EQ(Limit(*set, "b", {{"k", "v"}}), "2/minute");
}

TEST(RuleSetTest, DuplicateDomainNamesBothFiles) {
  std::vector<Domain> domains;
  domains.push_back(*ParseRules("one.yaml", "domain: shared\n"));
  domains.push_back(*ParseRules("two.yaml", "# comment\ndomain: shared\n"));
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = RuleSet::Create(std::move(domains));
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().message(),
            "two.yaml:2: duplicate domain 'shared' (already defined at one.yaml:1)");
}

TEST(RuleSetTest, EmptySetMatchesNothing) {
  auto set = RuleSet::Empty();
  EXPECT_EQ(set->domain_count(), 0u);
  EXPECT_FALSE(set->Match("d", {{"k", "v"}}).has_value());
}

}  // namespace
}  // namespace sluice::rules
