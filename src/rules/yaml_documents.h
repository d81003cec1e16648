// LoadYamlDocuments: YAML::LoadAll without its endless loop.
//
// yaml-cpp 0.7 (Debian 12) never consumes a token that no grammar rule starts with, such as a
// ',' at the top level: LoadAll then yields an empty document for it again and again, allocating
// until the process runs out of memory (jbeder/yaml-cpp#1040, fixed upstream after 0.8). Found by
// fuzz/rules_fuzz.cc. This reads the stream once without building nodes, stops at a document
// that starts where the previous one did, and only then builds the documents.
//
// Thread safety: a pure function.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace sluice::rules {

// The documents of `text`. Throws YAML::ParserException (as LoadAll does for other syntax errors)
// at a token the parser cannot get past, naming it.
std::vector<YAML::Node> LoadYamlDocuments(const std::string& text);

}  // namespace sluice::rules
