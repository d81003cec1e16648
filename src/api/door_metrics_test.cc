#include "api/door_metrics.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice::api {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

class MetricsTest : public ::testing::Test {
 protected:
  obs::Registry registry_;
  DoorMetrics metrics_{registry_};
};

TEST_F(MetricsTest, RendersEveryGubernatorName) {
  const std::string text = registry_.Render();
  for (const char* name : {
           "gubernator_getratelimit_counter{calltype=\"local\"} 0",
           "gubernator_getratelimit_counter{calltype=\"global\"} 0",
           "gubernator_over_limit_counter 0",
           "gubernator_check_error_counter{error=\"Invalid algorithm\"} 0",
           "gubernator_grpc_request_counts{method=\"/pb.gubernator.V1/GetRateLimits\","
           "status=\"success\"} 0",
           "gubernator_grpc_request_counts{method=\"/pb.gubernator.V1/GetRateLimits\","
           "status=\"failed\"} 0",
           "gubernator_grpc_request_duration_count{method=\"/pb.gubernator.PeersV1/"
           "UpdatePeerGlobals\"} 0",
           "gubernator_grpc_request_duration_sum{method=\"/pb.gubernator.PeersV1/"
           "GetPeerRateLimits\"} 0",
           "gubernator_concurrent_checks_counter 0",
           "# TYPE gubernator_grpc_request_duration summary",
       }) {
    EXPECT_THAT(text, HasSubstr(std::string(name) + "\n")) << name;
  }
}

TEST_F(MetricsTest, RendersSluiceFamilies) {
  const std::string text = registry_.Render();
  for (const char* family : {
           "sluice_requests_total counter",
           "sluice_request_duration_seconds histogram",
           "sluice_decisions_total counter",
       }) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + family + "\n")) << family;
  }
  for (const char* outcome : {"under_limit", "over_limit", "error", "shadow"}) {
    EXPECT_THAT(text,
                HasSubstr(std::string("sluice_decisions_total{outcome=\"") + outcome + "\"} 0\n"));
  }
}

TEST_F(MetricsTest, EveryFamilyHasHelpText) {
  const std::string text = registry_.Render();
  EXPECT_THAT(text, Not(HasSubstr("# HELP sluice_requests_total\n")));
  size_t pos = 0;
  while ((pos = text.find("# HELP ", pos)) != std::string::npos) {
    const size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    // "# HELP <name> <text>": at least three spaces.
    EXPECT_GE(std::count(line.begin(), line.end(), ' '), 3) << line;
    pos = end;
  }
}

// Parses one sample line `name{label="value",...} number` and returns the name, or "" if the
// line is not a well-formed text-format 0.0.4 sample.
std::string SampleName(std::string_view line) {
  size_t i = 0;
  auto name_char = [&](bool first, bool colon) {
    if (i >= line.size()) return false;
    const char c = line[i];
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (colon && c == ':') ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  auto name = [&](bool colon) {
    if (!name_char(true, colon)) return false;
    while (name_char(false, colon)) ++i;
    return true;
  };
  if (!name(true)) return "";
  const std::string metric(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    do {
      ++i;
      if (!name(false) || line.substr(i, 2) != "=\"") return "";
      for (i += 2; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\n') return "";
        if (line[i] == '\\') {
          if (++i >= line.size() || std::string_view("\\\"n").find(line[i]) == std::string::npos) {
            return "";
          }
        }
      }
      if (i++ >= line.size()) return "";
    } while (i < line.size() && line[i] == ',');
    if (i >= line.size() || line[i++] != '}') return "";
  }
  if (i >= line.size() || line[i++] != ' ') return "";
  const std::string value(line.substr(i));
  if (value == "+Inf" || value == "-Inf" || value == "NaN") return metric;
  if (value.empty() || std::isspace(static_cast<unsigned char>(value[0]))) return "";
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  return end == value.c_str() + value.size() ? metric : "";
}

TEST(SampleNameTest, AcceptsAndRejects) {
  EXPECT_EQ(SampleName("a 1"), "a");
  EXPECT_EQ(SampleName(R"(a_b:c{x="1",y="q\"\\\n"} 2.5e-3)"), "a_b:c");
  EXPECT_EQ(SampleName(R"(a{le="+Inf"} +Inf)"), "a");
  EXPECT_EQ(SampleName("a  1"), "");
  EXPECT_EQ(SampleName(R"(a{x="1} 1)"), "");
  EXPECT_EQ(SampleName(R"(a{x="\q"} 1)"), "");
  EXPECT_EQ(SampleName(R"(a{x=1} 1)"), "");
  EXPECT_EQ(SampleName("1a 1"), "");
  EXPECT_EQ(SampleName("a 1x"), "");
}

// Every line is a HELP, a TYPE, or a sample of the family whose TYPE came just before it.
TEST_F(MetricsTest, EveryLineIsWellFormedExposition) {
  metrics_.RecordCheckError("needs \"escaping\" \\\n");
  const std::string text = registry_.Render();
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  std::set<std::string> typed;
  std::string current;
  const std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    const std::vector<std::string> words = absl::StrSplit(line, ' ');
    if (line.starts_with("# HELP ")) {
      EXPECT_FALSE(typed.contains(words[2])) << "HELP after TYPE: " << line;
    } else if (line.starts_with("# TYPE ")) {
      ASSERT_EQ(words.size(), 4u) << line;
      EXPECT_THAT(words[3], AnyOf("counter", "gauge", "histogram", "summary")) << line;
      EXPECT_TRUE(typed.insert(words[2]).second) << "TYPE twice: " << line;
      current = words[2];
    } else {
      const std::string name = SampleName(line);
      ASSERT_FALSE(name.empty()) << "malformed line: " << line;
      EXPECT_TRUE(name.starts_with(current)) << line;
    }
  }
}

TEST_F(MetricsTest, RecordGrpcCountsBothNamings) {
  metrics_.RecordGrpc(std::string(kMethodGetRateLimits), true, 0.002);
  metrics_.RecordGrpc(std::string(kMethodGetRateLimits), false, 0.004);
  const RequestMetrics& m = metrics_.Request(Door::kGrpc, kMethodGetRateLimits);
  EXPECT_EQ(m.success->Read().integer, 1u);
  EXPECT_EQ(m.failed->Read().integer, 1u);
  EXPECT_EQ(m.duration->Read().count(), 2u);
  EXPECT_EQ(m.gubernator_success->Read().integer, 1u);
  EXPECT_EQ(m.gubernator_failed->Read().integer, 1u);
  EXPECT_EQ(m.gubernator_duration->Read().count, 2u);
  const std::string text = registry_.Render();
  EXPECT_THAT(text, HasSubstr("sluice_requests_total{door=\"grpc\",method=\"/pb.gubernator.V1/"
                              "GetRateLimits\",status=\"success\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("gubernator_grpc_request_duration_count{method=\"/pb.gubernator."
                              "V1/GetRateLimits\"} 2\n"));
}

TEST_F(MetricsTest, EnvoyMethodGoesToEnvoyDoor) {
  metrics_.RecordGrpc(kMethodShouldRateLimit, true, 0.001);
  EXPECT_EQ(metrics_.Request(Door::kEnvoy, kMethodShouldRateLimit).success->Read().integer, 1u);
  EXPECT_THAT(registry_.Render(),
              HasSubstr("sluice_requests_total{door=\"envoy\",method=\"/envoy.service.ratelimit."
                        "v3.RateLimitService/ShouldRateLimit\",status=\"success\"} 1\n"));
}

TEST_F(MetricsTest, HttpGatewayCountsUnderGubernatorGrpcMethod) {
  metrics_.RecordRequest(Door::kHttp, kHttpGetRateLimits, true, 0.001);
  EXPECT_EQ(metrics_.Request(Door::kHttp, kHttpGetRateLimits).gubernator_success,
            metrics_.Request(Door::kGrpc, kMethodGetRateLimits).gubernator_success);
  EXPECT_EQ(metrics_.Request(Door::kGrpc, kMethodGetRateLimits).gubernator_success->Read().integer,
            1u);
  EXPECT_EQ(metrics_.Request(Door::kHttp, kHttpMetrics).gubernator_success, nullptr);
}

TEST_F(MetricsTest, UnknownMethodIsBounded) {
  metrics_.RecordGrpc("/attacker/Chosen1", true, 0.001);
  metrics_.RecordGrpc("/attacker/Chosen2", false, 0.001);
  const RequestMetrics& unknown = metrics_.Request(Door::kGrpc, "/anything");
  EXPECT_EQ(&unknown, &metrics_.Request(Door::kGrpc, kUnknownMethod));
  EXPECT_EQ(unknown.success->Read().integer, 1u);
  EXPECT_EQ(unknown.failed->Read().integer, 1u);
  EXPECT_THAT(registry_.Render(), Not(HasSubstr("attacker")));
}

TEST_F(MetricsTest, RecordDecision) {
  metrics_.RecordDecision(CallType::kLocal, Outcome::kOverLimit);
  metrics_.RecordDecision(CallType::kLocal, Outcome::kUnderLimit);
  metrics_.RecordDecision(CallType::kGlobal, Outcome::kOverLimit);
  metrics_.RecordDecision(CallType::kLocal, Outcome::kShadow);
  metrics_.RecordDecision(CallType::kOutcomeOnly, Outcome::kError);  // counted by outcome only
  metrics_.RecordOwnerCheck(/*over_limit=*/true);                    // the owner's half
  const std::string text = registry_.Render();
  EXPECT_THAT(text, HasSubstr("sluice_decisions_total{outcome=\"over_limit\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("sluice_decisions_total{outcome=\"shadow\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("sluice_decisions_total{outcome=\"error\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("gubernator_getratelimit_counter{calltype=\"local\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("gubernator_getratelimit_counter{calltype=\"global\"} 1\n"));
  // Only the owner's (local) OVER_LIMIT counts, as in Gubernator.
  EXPECT_THAT(text, HasSubstr("gubernator_over_limit_counter 2\n"));
}

TEST_F(MetricsTest, CheckErrorsKnownAndNew) {
  metrics_.RecordCheckError("Invalid algorithm");
  metrics_.RecordCheckError("Something new");
  metrics_.RecordCheckError("Something new");
  const std::string text = registry_.Render();
  EXPECT_THAT(text, HasSubstr("gubernator_check_error_counter{error=\"Invalid algorithm\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("gubernator_check_error_counter{error=\"Something new\"} 2\n"));
}

TEST_F(MetricsTest, ConcurrentChecks) {
  metrics_.gubernator_concurrent_checks->Increment();
  EXPECT_THAT(registry_.Render(), HasSubstr("gubernator_concurrent_checks_counter 1\n"));
}

// cluster::PeerHandler counts the owner's half of a forwarded item through this interface.
TEST_F(MetricsTest, CountsWhatThePeerHandlerRecords) {
  const cluster::OwnerCheckRecorder& recorder = metrics_;
  recorder.RecordAdmission(/*key_too_long=*/true, /*out_of_range=*/false, /*clamped=*/true);
  recorder.RecordOwnerCheck(/*over_limit=*/true);
  const std::string text = registry_.Render();
  EXPECT_THAT(text, HasSubstr("sluice_rejected_items_total{reason=\"key_too_long\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("sluice_created_at_clamped_total 1\n"));
  EXPECT_THAT(text, HasSubstr("gubernator_getratelimit_counter{calltype=\"local\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("gubernator_over_limit_counter 1\n"));
}

TEST(MetricsNamesTest, DoorAndOutcomeNames) {
  EXPECT_EQ(DoorName(Door::kGrpc), "grpc");
  EXPECT_EQ(DoorName(Door::kHttp), "http");
  EXPECT_EQ(DoorName(Door::kEnvoy), "envoy");
  EXPECT_EQ(OutcomeName(Outcome::kUnderLimit), "under_limit");
  EXPECT_EQ(OutcomeName(Outcome::kOverLimit), "over_limit");
  EXPECT_EQ(OutcomeName(Outcome::kError), "error");
  EXPECT_EQ(OutcomeName(Outcome::kShadow), "shadow");
}

}  // namespace
}  // namespace sluice::api
