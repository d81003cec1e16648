#include "obs/logging.h"

#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace sluice::obs {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// A strict parser for the one shape the JSON format emits: a flat object of string values.
// Returns the members, or nullopt if `text` is not exactly such an object.
std::optional<std::map<std::string, std::string>> ParseFlatJsonObject(std::string_view text) {
  size_t i = 0;
  auto parse_string = [&](std::string& out) {
    if (i >= text.size() || text[i] != '"') return false;
    for (++i; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"') {
        ++i;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;  // must be escaped
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++i >= text.size()) return false;
      switch (text[i]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (i + 4 >= text.size()) return false;
          const int code = std::stoi(std::string(text.substr(i + 1, 4)), nullptr, 16);
          if (code >= 0x80) return false;  // the formatter only escapes control characters
          out += static_cast<char>(code);
          i += 4;
          break;
        }
        default:
          return false;
      }
    }
    return false;
  };
  std::map<std::string, std::string> members;
  if (text.empty() || text[i++] != '{') return std::nullopt;
  while (true) {
    std::string key, value;
    if (!parse_string(key) || i >= text.size() || text[i++] != ':' || !parse_string(value)) {
      return std::nullopt;
    }
    members[key] = value;
    if (i >= text.size()) return std::nullopt;
    if (text[i] == '}') {
      ++i;
      break;
    }
    if (text[i++] != ',') return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  return members;
}

class LoggingTest : public ::testing::Test {
 protected:
  ~LoggingTest() override { spdlog::set_default_logger(previous_); }

  spdlog::sink_ptr Sink() { return std::make_shared<spdlog::sinks::ostream_sink_mt>(out_); }
  std::vector<std::string> Lines() {
    std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
  }

  std::shared_ptr<spdlog::logger> previous_ = spdlog::default_logger();
  std::ostringstream out_;
};

TEST_F(LoggingTest, ParseLogLevel) {
  EXPECT_EQ(*ParseLogLevel("info"), spdlog::level::info);
  EXPECT_EQ(*ParseLogLevel("DEBUG"), spdlog::level::debug);
  EXPECT_EQ(*ParseLogLevel("warning"), spdlog::level::warn);
  EXPECT_EQ(*ParseLogLevel("fatal"), spdlog::level::critical);
  EXPECT_EQ(*ParseLogLevel("off"), spdlog::level::off);
}

TEST_F(LoggingTest, RejectsBadLevelNamingAllowedValues) {
  const absl::Status status = ConfigureLogging("verbose", "text", Sink());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("verbose"));
  EXPECT_THAT(status.message(), HasSubstr("trace, debug, info, warn, error, critical, off"));
  EXPECT_EQ(spdlog::default_logger(), previous_);  // nothing changed
}

TEST_F(LoggingTest, RejectsBadFormatNamingAllowedValues) {
  const absl::Status status = ConfigureLogging("info", "xml", Sink());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("xml"));
  EXPECT_THAT(status.message(), HasSubstr("text, json"));
  EXPECT_EQ(spdlog::default_logger(), previous_);
}

TEST_F(LoggingTest, RejectsNullSink) {
  EXPECT_EQ(ConfigureLogging("info", "text", spdlog::sink_ptr()).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LoggingTest, TextFormatHasTimeLevelMessage) {
  ASSERT_TRUE(ConfigureLogging("info", "text", Sink()).ok());
  spdlog::info("hello {}", "world");
  spdlog::debug("filtered out");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(
      lines[0],
      MatchesRegex(
          R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z \[info\] hello world)"));
}

// A trace id source for the test: "on" while `traced` is set.
bool traced = false;
bool FixedTraceId(char* out) {
  if (!traced) return false;
  const std::string_view id = "4bf92f3577b34da6a3ce929d0e0e4736";
  std::copy(id.begin(), id.end(), out);
  return true;
}

TEST_F(LoggingTest, LinesCarryTheTraceIdWhenThereIsOne) {
  SetLogTraceIdSource(&FixedTraceId);
  ASSERT_TRUE(ConfigureLogging("info", "text", Sink(), "node-1").ok());
  spdlog::info("untraced");
  traced = true;
  spdlog::info("traced");
  ASSERT_TRUE(ConfigureLogging("info", "json", Sink()).ok());
  spdlog::info("traced json");
  traced = false;
  SetLogTraceIdSource(nullptr);
  spdlog::info("no source");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[0], HasSubstr("[info] [node-1] untraced"));
  EXPECT_THAT(lines[1],
              HasSubstr("[info] [node-1] [trace_id=4bf92f3577b34da6a3ce929d0e0e4736] traced"));
  const auto json = ParseFlatJsonObject(lines[2]);
  ASSERT_TRUE(json.has_value()) << lines[2];
  EXPECT_EQ(json->at("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(json->at("msg"), "traced json");
  EXPECT_EQ(ParseFlatJsonObject(lines[3])->count("trace_id"), 0u);
}

TEST_F(LoggingTest, JsonLinesAreValidJsonWithEscapedMessage) {
  ASSERT_TRUE(ConfigureLogging("debug", "json", Sink()).ok());
  const std::string tricky = "say \"hi\" \\ path\nnext\tline \x01 ünïcode";
  spdlog::info("{}", tricky);
  spdlog::debug("plain");
  spdlog::trace("filtered out");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);

  EXPECT_TRUE(lines[0].starts_with("{\"time\":\""));
  EXPECT_THAT(lines[0], HasSubstr(R"(say \"hi\" \\ path\nnext\tline \u0001)"));
  const auto first = ParseFlatJsonObject(lines[0]);
  ASSERT_TRUE(first.has_value()) << lines[0];
  EXPECT_EQ(first->size(), 3u);
  EXPECT_EQ(first->at("level"), "info");
  EXPECT_EQ(first->at("msg"), tricky);
  EXPECT_THAT(first->at("time"),
              MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)"));

  const auto second = ParseFlatJsonObject(lines[1]);
  ASSERT_TRUE(second.has_value()) << lines[1];
  EXPECT_EQ(second->at("level"), "debug");
  EXPECT_EQ(second->at("msg"), "plain");
}

TEST_F(LoggingTest, ParserRejectsInvalidJson) {
  EXPECT_FALSE(ParseFlatJsonObject(R"({"msg":"a"b"})").has_value());
  EXPECT_FALSE(ParseFlatJsonObject("{\"msg\":\"a\nb\"}").has_value());
  EXPECT_FALSE(ParseFlatJsonObject(R"({"msg":"a")").has_value());
  EXPECT_TRUE(ParseFlatJsonObject(R"({"msg":"a\"b"})").has_value());
}

TEST_F(LoggingTest, EveryLineCarriesTheInstanceName) {
  // A name with a quote and a '%' (which would start a pattern flag) comes out verbatim.
  ASSERT_TRUE(ConfigureLogging("info", "json", Sink(), "node \"7\" 100%").ok());
  spdlog::info("hello");
  ASSERT_TRUE(ConfigureLogging("info", "text", Sink(), "node-7").ok());
  spdlog::info("plain");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  auto json = ParseFlatJsonObject(lines[0]);
  ASSERT_TRUE(json.has_value()) << lines[0];
  EXPECT_EQ(json->at("instance"), "node \"7\" 100%");
  EXPECT_EQ(json->at("msg"), "hello");
  EXPECT_NE(lines[1].find(" [info] [node-7] plain"), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace sluice::obs
