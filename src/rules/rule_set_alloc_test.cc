// Guards the hot-path promise of RuleSet::Match: no heap allocation on exact and default matches.
// A separate binary because it replaces the global operator new to count allocations.
#include <atomic>
#include <cstdlib>
#include <new>

#include "gtest/gtest.h"
#include "rules/rule_parser.h"
#include "rules/rule_set.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// GCC takes free() in a replaced operator delete for a mismatch with the builtin operator new.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace sluice::rules {
namespace {

TEST(RuleSetAllocationTest, ExactAndDefaultMatchesDoNotAllocate) {
  std::vector<Domain> domains;
  domains.push_back(*ParseRules("a.yaml", R"(
domain: d
descriptors:
  - key: tenant
    value: acme
    descriptors:
      - key: user
        rate_limit: {unit: second, requests_per_unit: 1}
  - key: path
    value: /api/*
    rate_limit: {unit: second, requests_per_unit: 2}
)"));
  std::shared_ptr<const RuleSet> set = *RuleSet::Create(std::move(domains));
  const std::vector<DescriptorEntry> nested = {{"tenant", "acme"}, {"user", "bob"}};
  const std::vector<DescriptorEntry> miss = {{"tenant", "other"}, {"user", "bob"}};
  const std::vector<DescriptorEntry> wildcard = {{"path", "/api/some/long/path"}};

  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    std::optional<RuleMatch> hit = set->Match("d", nested);
    ASSERT_TRUE(hit.has_value());
    EXPECT_FALSE(set->Match("d", miss).has_value());
    EXPECT_FALSE(set->Match("unknown-domain", nested).has_value());
  }
  EXPECT_EQ(g_allocations.load() - before, 0);

  // Positive control: a wildcard match builds its runtime rule id, which allocates once it is
  // longer than the small-string buffer. This proves the counter sees allocations.
  const long before_wildcard = g_allocations.load();
  std::optional<RuleMatch> hit = set->Match("d", wildcard);
  ASSERT_TRUE(hit.has_value());
  EXPECT_GT(g_allocations.load() - before_wildcard, 0);
  EXPECT_EQ(hit->rule_id(), "d.path_/api/some/long/path");
}

}  // namespace
}  // namespace sluice::rules
