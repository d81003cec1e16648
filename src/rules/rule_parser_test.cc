#include "rules/rule_parser.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::rules {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kFile[] = "conf/api.yaml";

// Parses `yaml` and expects it to be rejected at `line` with a message containing `problem`.
void ExpectRejected(const std::string& yaml, int line, const std::string& problem) {
  absl::StatusOr<Domain> domain = ParseRules(kFile, yaml);
  ASSERT_FALSE(domain.ok()) << yaml;
  EXPECT_EQ(domain.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(domain.status().message()),
              StartsWith(std::string(kFile) + ":" + std::to_string(line) + ": "));
  EXPECT_THAT(std::string(domain.status().message()), HasSubstr(problem));
}

Domain MustParse(const std::string& yaml) {
  absl::StatusOr<Domain> domain = ParseRules(kFile, yaml);
  EXPECT_TRUE(domain.ok()) << domain.status();
  return domain.ok() ? *std::move(domain) : Domain();
}

TEST(RuleParserTest, ParsesAFullRule) {
  Domain domain = MustParse(R"(
domain: mongo_cps
descriptors:
  - key: database
    value: users
    shadow_mode: true
    rate_limit:
      unit: Second
      requests_per_unit: 500
      name: users-db
      replaces:
        - name: all-db
      algorithm: token_bucket
    descriptors:
      - key: client
        rate_limit: {unit: minute, requests_per_unit: 10}
  - key: database
    rate_limit:
      unlimited: true
)");
  EXPECT_EQ(domain.name, "mongo_cps");
  EXPECT_EQ(domain.source, kFile);
  EXPECT_EQ(domain.line, 2);
  EXPECT_EQ(domain.descriptors.size(), 2u);

  const DescriptorNode* users = domain.descriptors.FindForEntry("database", "users");
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->path, "mongo_cps.database_users");
  EXPECT_EQ(users->line, 4);
  EXPECT_TRUE(users->shadow_mode);
  ASSERT_TRUE(users->policy.has_value());
  EXPECT_EQ(users->policy->unit, Unit::kSecond);
  EXPECT_EQ(users->policy->requests_per_unit, 500u);
  EXPECT_EQ(users->policy->name, "users-db");
  EXPECT_EQ(users->policy->replaces, std::vector<std::string>{"all-db"});
  EXPECT_EQ(users->policy->algorithm, RuleAlgorithm::kTokenBucket);
  EXPECT_FALSE(users->policy->unlimited);

  const DescriptorNode* client = users->children.FindForEntry("client", "x");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->path, "mongo_cps.database_users.client");
  EXPECT_EQ(client->policy->unit, Unit::kMinute);
  EXPECT_EQ(client->policy->algorithm, RuleAlgorithm::kFixedWindow);

  const DescriptorNode* other = domain.descriptors.FindForEntry("database", "orders");
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->policy->unlimited);
  EXPECT_TRUE(domain.has_replaces);

  // The counter key's static parts: known below exact nodes, whole where the node is exact too.
  EXPECT_EQ(users->counter_key_prefix, "mongo_cps_database_");
  EXPECT_EQ(users->counter_key, "mongo_cps_database_users_second");
  EXPECT_EQ(client->counter_key_prefix, "mongo_cps_database_users_client_");
  EXPECT_EQ(client->counter_key, "");  // a default node: the value comes with the request
  EXPECT_EQ(other->counter_key, "");   // unlimited: never counted
}

TEST(RuleParserTest, UnitMultiplierMakesLongerWindows) {
  Domain domain = MustParse(R"(
domain: d
descriptors:
  - key: k
    value: v
    rate_limit: {unit: second, unit_multiplier: 30, requests_per_unit: 10}
  - key: plain
    rate_limit: {unit: hour, requests_per_unit: 1}
)");
  const DescriptorNode* k = domain.descriptors.FindForEntry("k", "v");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->policy->unit_multiplier, 30u);
  EXPECT_EQ(WindowSeconds(k->policy->unit, k->policy->unit_multiplier), 30);
  EXPECT_EQ(k->counter_key, "d_k_v_30second");
  EXPECT_EQ(domain.descriptors.FindForEntry("plain", "x")->policy->unit_multiplier, 1u);
}

TEST(RuleParserTest, RejectsBadUnitMultipliers) {
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n      unit: second\n"
                 "      requests_per_unit: 1\n      unit_multiplier: 0\n",
                 7, "unit_multiplier must be at least 1");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n      unit: year\n"
                 "      requests_per_unit: 1\n      unit_multiplier: 101\n",
                 7, "unit_multiplier 101 makes a window of 3185136000 seconds; at most 100 years");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n      unlimited: true\n"
                 "      unit_multiplier: 2\n",
                 6, "must not specify a unit_multiplier");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    unit_multiplier: 2\n", 4,
                 "it belongs in rate_limit");
}

TEST(RuleParserTest, RateLimitsListsSeveralLimits) {
  Domain domain = MustParse(R"(
domain: d
descriptors:
  - key: api
    value: v
    rate_limits:
      - {unit: second, requests_per_unit: 10, name: burst}
      - {unit: hour, requests_per_unit: 1000, name: hourly, algorithm: sliding_window}
      - {unit: minute, unit_multiplier: 5, requests_per_unit: 200}
)");
  const DescriptorNode* api = domain.descriptors.FindForEntry("api", "v");
  ASSERT_NE(api, nullptr);
  ASSERT_TRUE(api->policy.has_value());
  EXPECT_EQ(api->policy->name, "burst");
  ASSERT_EQ(api->additional_policies.size(), 2u);
  EXPECT_EQ(api->additional_policies[0].name, "hourly");
  EXPECT_EQ(api->additional_policies[0].algorithm, RuleAlgorithm::kSlidingWindow);
  EXPECT_EQ(api->additional_policies[1].unit_multiplier, 5u);
  EXPECT_EQ(api->counter_key, "d_api_v_second");  // the first limit's
}

TEST(RuleParserTest, RejectsBadRateLimitsLists) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit: {unit: second, requests_per_unit: 1}
    rate_limits:
      - {unit: hour, requests_per_unit: 1}
)",
                 5, "a descriptor has 'rate_limit' or 'rate_limits', not both ('rate_limit' at line 4)");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limits: []\n", 4,
                 "'rate_limits' must list at least one limit");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limits:
      - {unit: second, requests_per_unit: 1}
      - {unit: second, unit_multiplier: 60, requests_per_unit: 5}
      - {unit: minute, requests_per_unit: 9}
)",
                 7, "two limits with a window of 60 seconds in rate_limits (first at line 6)");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limits:
      - {unlimited: true}
)",
                 5, "'unlimited' is not valid in rate_limits");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limits:
      - {unit: second, requests_per_unit: 1, name: a, replaces: [{name: b}]}
)",
                 5, "'replaces' is not valid in rate_limits");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limits:
      - {unit: fortnight, requests_per_unit: 1}
)",
                 5, "invalid rate limit unit 'fortnight'");
}

TEST(RuleParserTest, CounterKeyIsStaticOnlyBelowExactNodes) {
  Domain domain = MustParse(R"(
domain: d
descriptors:
  - key: user
    descriptors:
      - {key: path, value: /a, rate_limit: {unit: hour, requests_per_unit: 1}}
  - key: tenant
    value: "t*"
    descriptors:
      - {key: path, value: /a, rate_limit: {unit: hour, requests_per_unit: 1}}
  - key: plain
    value: v
    rate_limit: {unit: day, requests_per_unit: 1}
)");
  EXPECT_FALSE(domain.has_replaces);
  // A default (`user`) or wildcard (`tenant`) level keeps its own prefix, but below it nothing is
  // static any more.
  for (const auto& [key, value] : {std::pair{"user", "alice"}, std::pair{"tenant", "t1"}}) {
    const DescriptorNode* parent = domain.descriptors.FindForEntry(key, value);
    ASSERT_NE(parent, nullptr) << key;
    EXPECT_EQ(parent->counter_key_prefix, absl::StrCat("d_", key, "_"));
    const DescriptorNode* below = parent->children.FindForEntry("path", "/a");
    ASSERT_NE(below, nullptr) << key;
    EXPECT_EQ(below->counter_key_prefix, "") << key;
    EXPECT_EQ(below->counter_key, "") << key;
  }
  const DescriptorNode* plain = domain.descriptors.FindForEntry("plain", "v");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->counter_key, "d_plain_v_day");
}

TEST(RuleParserTest, AcceptsAndIgnoresReferenceOnlyKeys) {
  Domain domain = MustParse(R"(
domain: d
descriptors:
  - key: k
    value: "v*"
    quota_mode: true
    detailed_metric: true
    value_to_metric: false
    share_threshold: true
    metadata:
      anything: {goes: [1, 2]}
    rate_limit: {unit: hour, requests_per_unit: 1}
)");
  EXPECT_EQ(domain.descriptors.size(), 1u);
}

TEST(RuleParserTest, AcceptsEveryUnitCaseInsensitively) {
  Domain domain = MustParse(R"(
domain: d
descriptors:
  - {key: a, rate_limit: {unit: WEEK, requests_per_unit: 1}}
  - {key: b, rate_limit: {unit: Month, requests_per_unit: 1}}
  - {key: c, rate_limit: {unit: year, requests_per_unit: 1}}
  - {key: e, rate_limit: {unit: DAY, requests_per_unit: 0}}
)");
  EXPECT_EQ(domain.descriptors.FindForEntry("a", "x")->policy->unit, Unit::kWeek);
  EXPECT_EQ(domain.descriptors.FindForEntry("b", "x")->policy->unit, Unit::kMonth);
  EXPECT_EQ(domain.descriptors.FindForEntry("c", "x")->policy->unit, Unit::kYear);
  EXPECT_EQ(domain.descriptors.FindForEntry("e", "x")->policy->requests_per_unit, 0u);
}

TEST(RuleParserTest, AcceptsADomainWithoutDescriptorsAndNullLists) {
  EXPECT_EQ(MustParse("domain: d\n").descriptors.size(), 0u);
  EXPECT_EQ(MustParse("domain: d\ndescriptors:\n").descriptors.size(), 0u);
}

TEST(RuleParserTest, RejectsYamlSyntaxErrors) {
  ExpectRejected("domain: d\ndescriptors:\n  - key: [a,\n  - key: b\n", 4, "YAML syntax error");
  // Used to hang, allocating without bound, inside yaml-cpp (rules/yaml_documents.h).
  ExpectRejected("domain: d\n---\n,\n", 3, "YAML syntax error: unexpected ','");
  ExpectRejected(",", 1, "YAML syntax error: unexpected ','");
}

TEST(RuleParserTest, RejectsEmptyFileAndMissingOrEmptyDomain) {
  ExpectRejected("", 1, "file is empty");
  ExpectRejected("# only a comment\n", 1, "file is empty");
  ExpectRejected("descriptors: []\n", 1, "missing 'domain'");
  ExpectRejected("\ndomain: \"\"\n", 2, "empty domain");
  ExpectRejected("\n\ndomain:\n", 3, "empty domain");
}

TEST(RuleParserTest, RejectsSeveralDocuments) {
  ExpectRejected("domain: a\n---\ndomain: b\n", 3, "more than one YAML document");
}

TEST(RuleParserTest, RejectsUnknownKeysWithTheirLine) {
  ExpectRejected("domain: d\nfoo: 1\n", 2, "unknown key 'foo' in the top level");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    valeu: v
)",
                 4, "unknown key 'valeu' in a descriptor");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      uint: second
      requests_per_unit: 1
)",
                 5, "unknown key 'uint' in rate_limit");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      name: a
      replaces:
        - name: b
          why: because
)",
                 10, "unknown key 'why' in a replaces entry");
}

TEST(RuleParserTest, RejectsKnownKeysAtTheWrongLevel) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    requests_per_unit: 5
)",
                 4,
                 "key 'requests_per_unit' is not valid in a descriptor; it belongs in rate_limit");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      shadow_mode: true
)",
                 7, "key 'shadow_mode' is not valid in rate_limit; it belongs in a descriptor");
}

TEST(RuleParserTest, RejectsDuplicateMapKeys) {
  ExpectRejected("domain: a\ndomain: b\n", 2, "duplicate key 'domain' (first at line 1)");
}

TEST(RuleParserTest, RejectsWrongValueTypes) {
  ExpectRejected("domain: [a, b]\n", 1, "'domain' must be a string");
  ExpectRejected("domain: d\ndescriptors: {key: k}\n", 2, "'descriptors' must be a list");
  ExpectRejected("domain: d\ndescriptors:\n  - just-a-string\n", 3,
                 "'descriptors' entries must be maps");
  ExpectRejected("domain: d\ndescriptors:\n  - key: {a: b}\n", 3, "'key' must be a string");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    shadow_mode: maybe\n", 4,
                 "'shadow_mode' must be true or false");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    quota_mode: [1]\n", 4,
                 "'quota_mode' must be true or false");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    metadata: text\n", 4,
                 "'metadata' must be a map");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limit: 5\n", 4,
                 "rate_limit must be a map");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n  - key: j\n", 4,
                 "rate_limit must be a map");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: lots
)",
                 6, "'requests_per_unit' must be an integer from 0 to 4294967295");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: -1
)",
                 6, "'requests_per_unit' must be an integer");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 4294967296
)",
                 6, "'requests_per_unit' must be an integer");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      replaces: {name: x}
)",
                 7, "'replaces' must be a list");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      unlimited: sure
)",
                 7, "'unlimited' must be true or false");
}

// A quoted scalar is a string, as for the reference's YAML decoder: "true" is no boolean and
// "5" no number.
TEST(RuleParserTest, RejectsQuotedBooleansAndNumbers) {
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    shadow_mode: \"true\"\n", 4,
                 "'shadow_mode' must be true or false");
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n"
                 "      unit: second\n      requests_per_unit: '5'\n",
                 6, "'requests_per_unit' must be an integer from 0 to 4294967295");
}

// Integers are read as the reference's YAML 1.1 decoder reads them.
TEST(RuleParserTest, ReadsYaml11IntegerForms) {
  auto rpu = [](const std::string& text) -> int64_t {
    auto d = ParseRules("f.yaml", absl::StrCat("domain: d\ndescriptors:\n  - key: k\n"
                                               "    rate_limit: {unit: second, requests_per_unit: ",
                                               text, "}\n"));
    if (!d.ok()) return -1;
    return d->descriptors.FindForEntry("k", "x")->policy->requests_per_unit;
  };
  EXPECT_EQ(rpu("1_000"), 1000);
  EXPECT_EQ(rpu("+5"), 5);
  EXPECT_EQ(rpu("0x10"), 16);
  EXPECT_EQ(rpu("0o17"), 15);
  EXPECT_EQ(rpu("010"), 8);
  EXPECT_EQ(rpu("0b101"), 5);
  EXPECT_EQ(rpu("0"), 0);
  EXPECT_EQ(rpu("0xFFFFFFFF"), 4294967295);
  EXPECT_EQ(rpu("0x100000000"), -1);
  EXPECT_EQ(rpu("08"), -1);
  EXPECT_EQ(rpu("0x"), -1);
  EXPECT_EQ(rpu("1e3"), -1);
}

TEST(RuleParserTest, RejectsMissingOrEmptyKey) {
  ExpectRejected("domain: d\ndescriptors:\n  - value: v\n", 3, "descriptor is missing 'key'");
  ExpectRejected("domain: d\ndescriptors:\n  - key: \"\"\n", 3, "descriptor has empty key");
  ExpectRejected("domain: d\ndescriptors:\n  - key: a\n    descriptors:\n      - key:\n", 5,
                 "descriptor has empty key");
}

TEST(RuleParserTest, RejectsDuplicateCompositeKeysAmongSiblings) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    value: v
  - key: k
    value: v
)",
                 5, "duplicate descriptor composite key 'd.k_v' (first at line 3)");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
  - key: j
  - key: k
)",
                 5, "duplicate descriptor composite key 'd.k'");
  // Nested, and with wildcards.
  ExpectRejected(R"(domain: d
descriptors:
  - key: a
    descriptors:
      - key: b
        value: "x*"
      - key: b
        value: "x*"
)",
                 7, "duplicate descriptor composite key 'd.a.b_x*'");
}

TEST(RuleParserTest, SameCompositeKeyUnderDifferentParentsIsFine) {
  Domain domain = MustParse(R"(domain: d
descriptors:
  - key: a
    descriptors: [{key: c, rate_limit: {unit: second, requests_per_unit: 1}}]
  - key: b
    descriptors: [{key: c, rate_limit: {unit: second, requests_per_unit: 2}}]
)");
  EXPECT_EQ(domain.descriptors.size(), 2u);
}

TEST(RuleParserTest, RejectsBadOrMissingUnit) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: fortnight
      requests_per_unit: 1
)",
                 5, "invalid rate limit unit 'fortnight'");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      requests_per_unit: 1
)",
                 4, "rate_limit is missing 'unit'");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: ""
      requests_per_unit: 1
)",
                 5, "rate_limit is missing 'unit'");
}

TEST(RuleParserTest, RejectsMissingRequestsPerUnit) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
)",
                 4, "rate_limit is missing 'requests_per_unit'");
}

TEST(RuleParserTest, UnlimitedTakesNoUnit) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unlimited: true
      unit: second
)",
                 6, "'unlimited: true' must not specify a unit");
  Domain domain = MustParse(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unlimited: true
      requests_per_unit: 0
)");
  EXPECT_TRUE(domain.descriptors.FindForEntry("k", "v")->policy->unlimited);
  // `unlimited: false` is an ordinary limit and needs its unit.
  ExpectRejected("domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unlimited: false}\n", 4,
                 "rate_limit is missing 'unit'");
}

TEST(RuleParserTest, RejectsBadReplaces) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      name: mine
      replaces:
        - name: other
        - name: ""
)",
                 10, "replaces entry has an empty name");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      replaces:
        - {}
)",
                 8, "replaces entry has an empty name");
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      name: mine
      replaces:
        - name: mine
)",
                 9, "limit 'mine' replaces itself");
}

TEST(RuleParserTest, RejectsUnknownAlgorithm) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    rate_limit:
      unit: second
      requests_per_unit: 1
      algorithm: rolling_window
)",
                 7, "unknown algorithm 'rolling_window'");
}

TEST(RuleParserTest, ShareThresholdNeedsAWildcard) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: k
    value: plain
    share_threshold: true
)",
                 5, "share_threshold: true requires a '*' in the value");
}

TEST(RuleParserTest, ErrorsDeepInTheTreeNameTheirLine) {
  ExpectRejected(R"(domain: d
descriptors:
  - key: a
    descriptors:
      - key: b
        descriptors:
          - key: c
            rate_limit:
              unit: second
              requests_per_unit: 1
              colour: blue
)",
                 11, "unknown key 'colour' in rate_limit");
}

}  // namespace
}  // namespace sluice::rules
