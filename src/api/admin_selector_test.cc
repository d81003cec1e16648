#include "api/admin_selector.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

TEST(AdminSelectorTest, AnEnvoyDescriptorWithDecodedValues) {
  auto s = ParseAdminSelector("domain=shop&descriptor=user=ann,path=%2Flogin%3F,plain");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->is_envoy());
  EXPECT_EQ(s->domain, "shop");
  using Entries = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(s->entries, (Entries{{"user", "ann"}, {"path", "/login?"}, {"plain", ""}}));
}

TEST(AdminSelectorTest, AGubernatorKeyWithItsLimit) {
  auto s = ParseAdminSelector("name=api&unique_key=a+b&limit=10&duration=60000&algorithm=3");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->is_envoy());
  EXPECT_EQ(s->name, "api");
  EXPECT_EQ(s->unique_key, "a b");
  EXPECT_EQ(s->limit, 10);
  EXPECT_EQ(s->duration, 60000);
  EXPECT_EQ(s->algorithm, 3);
  auto token = ParseAdminSelector("name=api&unique_key=k&limit=0&duration=1");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->algorithm, 0);
}

TEST(AdminSelectorTest, ProblemsNameTheParameter) {
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"", "not both and not neither"},
           {"domain=shop&name=x", "not both"},
           {"domain=&descriptor=a", "'domain': required and not empty"},
           {"domain=shop", "'descriptor': required"},
           {"domain=shop&descriptor=a,=b", "entry 1 ('=b') has an empty key"},
           {"domain=shop&descriptor=a&limit=3", "'limit': only with 'name'"},
           {"domain=shop&descriptor=a&x=1", "'x': unknown parameter"},
           {"domain=shop&domain=shop&descriptor=a", "'domain': given twice"},
           {"domain=sh%zzop&descriptor=a", "'domain': bad %-escape"},
           {"name=api&limit=1&duration=1", "'unique_key': required"},
           {"name=api&unique_key=k&limit=-1&duration=1", "'limit': '-1' is not an integer >= 0"},
           {"name=api&unique_key=k&limit=1", "'duration': required"},
           {"name=api&unique_key=k&limit=1&duration=1&algorithm=2", "'algorithm': '2' is not"},
       }) {
    auto s = ParseAdminSelector(query);
    ASSERT_FALSE(s.ok()) << query;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << query;
    EXPECT_NE(std::string(s.status().message()).find(message), std::string::npos)
        << query << ": " << s.status();
  }
}

}  // namespace
}  // namespace sluice::api
