#include "rules/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace sluice::rules {
namespace {

// Remembers where the last document started; ignores everything else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  const YAML::Mark& last() const { return last_; }

  void OnDocumentStart(const YAML::Mark& mark) override { last_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  YAML::Mark last_ = YAML::Mark::null_mark();
};

}  // namespace

std::vector<YAML::Node> LoadYamlDocuments(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentStarts starts;
  int previous = -1;
  while (parser.HandleNextDocument(starts)) {
    const YAML::Mark& start = starts.last();
    if (start.pos == previous) {  // no token consumed: LoadAll would loop here forever
      const char token = start.pos >= 0 && static_cast<size_t>(start.pos) < text.size()
                             ? text[static_cast<size_t>(start.pos)]
                             : '?';
      throw YAML::ParserException(start, std::string("unexpected '") + token + "'");
    }
    previous = start.pos;
  }
  return YAML::LoadAll(text);
}

}  // namespace sluice::rules
