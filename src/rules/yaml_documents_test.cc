#include "rules/yaml_documents.h"

#include <gtest/gtest.h>

namespace sluice::rules {
namespace {

TEST(YamlDocumentsTest, ReadsEveryDocument) {
  auto docs = LoadYamlDocuments("a: 1\n---\nb: 2\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["a"].as<int>(), 1);
  EXPECT_EQ(docs[1]["b"].as<int>(), 2);
  EXPECT_TRUE(LoadYamlDocuments("").empty());
  EXPECT_TRUE(LoadYamlDocuments("# only a comment\n").empty());
}

// A top-level ',' made YAML::LoadAll allocate empty documents forever (the input saved by the
// rules fuzzer is fuzz/corpus/rules/top_level_comma.yaml); a regression hangs until ctest's timeout.
TEST(YamlDocumentsTest, StrayTopLevelCommaIsASyntaxError) {
  for (const char* text : {",", ",\n", "domain: a\n---\n,\n", "  ,  # comment\n"}) {
    try {
      LoadYamlDocuments(text);
      ADD_FAILURE() << "no error for: " << text;
    } catch (const YAML::ParserException& e) {
      EXPECT_EQ(e.msg, "unexpected ','") << text;
    }
  }
}

TEST(YamlDocumentsTest, OtherSyntaxErrorsStayYamlCppsOwn) {
  EXPECT_THROW(LoadYamlDocuments("a: [1, 2\n"), YAML::ParserException);
  EXPECT_THROW(LoadYamlDocuments("a: b: c\n"), YAML::ParserException);
}

}  // namespace
}  // namespace sluice::rules
