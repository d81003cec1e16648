// docs/configuration.md must be exactly what the code generates, and the generated names must
// not collide.
#include "server/config_reference.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_split.h"
#include "server/config.h"
#include "server/settings_parser.h"

#ifndef SLUICE_SOURCE_DIR
#error "SLUICE_SOURCE_DIR must name the source tree"
#endif

namespace sluice::server {
namespace {

std::string Generated() {
  const char* argv[] = {"sluice", kPrintReferenceFlag};
  auto cl = ParseCommandLine(2, argv, {});
  EXPECT_TRUE(cl.ok()) << cl.status();
  return cl.ok() ? cl->output : "";
}

TEST(ConfigReferenceTest, DocsMatchTheCode) {
  std::ifstream in(std::string(SLUICE_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream checked_in;
  checked_in << in.rdbuf();
  EXPECT_TRUE(checked_in.str() == Generated())
      << "docs/configuration.md is out of date (a flag was added or changed). Regenerate it:\n"
         "  build/asan/src/server/sluice --print-config-reference > docs/configuration.md";
}

TEST(ConfigReferenceTest, EveryOptionHasItsOwnVariableAndFileKey) {
  const std::string text = Generated();
  const auto start = text.find("## Settings\n");
  const auto end = text.find("\n## ", start + 1);
  ASSERT_NE(start, std::string::npos);
  std::set<std::string> variables, keys;
  int rows = 0;
  for (auto line : absl::StrSplit(text.substr(start, end - start), '\n')) {
    if (line.empty() || line[0] != '|' || line.find("`--") == line.npos) continue;
    std::vector<std::string> cells = absl::StrSplit(line, " | ");
    ASSERT_GE(cells.size(), 4u) << line;
    ++rows;
    for (const std::string& variable : std::vector<std::string>(absl::StrSplit(cells[1], ", "))) {
      if (variable.rfind("`SLUICE_", 0) == 0) {
        EXPECT_TRUE(variables.insert(variable).second) << variable << " names two settings";
      }
    }
    if (!cells[2].empty()) {
      EXPECT_TRUE(keys.insert(cells[2]).second) << cells[2] << " names two settings";
    }
  }
  EXPECT_GE(rows, 10);
  EXPECT_TRUE(keys.contains("`server.grpc_address`"));
  EXPECT_TRUE(variables.contains("`SLUICE_HTTP_ADDR`"));
}

}  // namespace
}  // namespace sluice::server
