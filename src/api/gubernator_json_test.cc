#include "api/gubernator_json.h"

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/json.h"

namespace sluice::api {
namespace {

using google::protobuf::util::MessageDifferencer;
using pb::gubernator::GetRateLimitsReq;
using pb::gubernator::GetRateLimitsResp;
using pb::gubernator::RateLimitReq;
using pb::gubernator::RateLimitResp;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

std::string Utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

// Seeded randomness for the differential tests.
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  // In [0, n).
  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(engine_); }
  bool OneIn(size_t n) { return Below(n) == 0; }

  int64_t Int64() {
    switch (Below(6)) {
      case 0:
        return 0;
      case 1:
        return kInt64Min;
      case 2:
        return kInt64Max;
      case 3:
        return static_cast<int64_t>(Below(2000)) - 1000;
      case 4:
        return 1690855128786 + static_cast<int64_t>(Below(100000));
      default:
        return static_cast<int64_t>(engine_());
    }
  }

  int32_t EnumNumber(int named_values) {
    switch (Below(5)) {
      case 0:
        return kInt32Min;
      case 1:
        return kInt32Max;
      case 2:
        return static_cast<int32_t>(Below(80)) - 40;
      default:
        return static_cast<int32_t>(Below(static_cast<size_t>(named_values)));
    }
  }

  // Pieces drawn from what JSON escaping treats specially.
  std::string String(bool valid_utf8) {
    static const std::vector<std::string> kValid = {
        "a",           "Z",          "0",           " ",           ":",
        "_",           "/",          "\"",          "\\",          "<",
        ">",           "&",          "'",           "=",           "\b",
        "\f",          "\n",         "\r",          "\t",          std::string(1, '\0'),
        "\x01",        "\x1f",       "\x7f",        "requests",    "é",
        "€",           "中",         "😀",           Utf8(0x80),    Utf8(0x9f),
        Utf8(0xa0),    Utf8(0xad),   Utf8(0x600),   Utf8(0x6dd),   Utf8(0x200b),
        Utf8(0x2028),  Utf8(0x2029), Utf8(0x202f),  Utf8(0xfeff),  Utf8(0xfffb),
        Utf8(0xfffc),  Utf8(0xffff), Utf8(0x1d173), Utf8(0xe0001), Utf8(0xe007f),
        Utf8(0x10ffff)};
    static const std::vector<std::string> kInvalid = {"\xff",
                                                      "\x80",
                                                      "\xc3",
                                                      "\xe2\x82",
                                                      "\xed\xa0\x80",
                                                      "\xc0\x80",
                                                      "\xf4\x90\x80\x80",
                                                      "\xf8\x88\x80\x80\x80"};
    std::string s;
    for (size_t n = Below(7); n > 0; --n) {
      if (!valid_utf8 && OneIn(4)) {
        s += kInvalid[Below(kInvalid.size())];
      } else {
        s += kValid[Below(kValid.size())];
      }
    }
    return s;
  }

 private:
  std::mt19937_64 engine_;
};

// ---------------------------------------------------------------------------------------------
// Printing

void ExpectSameJson(const GetRateLimitsResp& resp) {
  // Invalid UTF-8 makes protobuf log; the output is what is compared.
  google::protobuf::LogSilencer quiet;
  EXPECT_EQ(GetRateLimitsRespToJson(resp), ToJson(resp)) << resp.DebugString();
}

bool PrintsFast(const GetRateLimitsResp& resp) {
  std::string json;
  return internal::TryGetRateLimitsRespToJsonFast(resp, &json);
}

TEST(GubernatorJsonTest, PrintsTheGatewayResponseShape) {
  GetRateLimitsResp resp;
  auto* r = resp.add_responses();
  r->set_limit(10);
  r->set_remaining(9);
  r->set_reset_time(1690855128786);
  const std::string expected =
      R"({"responses":[{"status":"UNDER_LIMIT","limit":"10","remaining":"9",)"
      R"("reset_time":"1690855128786","error":"","metadata":{}}]})";
  EXPECT_TRUE(PrintsFast(resp));
  EXPECT_EQ(GetRateLimitsRespToJson(resp), expected);
  EXPECT_EQ(ToJson(resp), expected);
}

TEST(GubernatorJsonTest, OneMetadataEntryStaysFastTwoGoToProtobuf) {
  GetRateLimitsResp resp;
  auto* r = resp.add_responses();
  r->set_status(pb::gubernator::OVER_LIMIT);
  (*r->mutable_metadata())["owner"] = "10.0.0.1:1051";
  EXPECT_TRUE(PrintsFast(resp));
  EXPECT_EQ(GetRateLimitsRespToJson(resp),
            R"({"responses":[{"status":"OVER_LIMIT","limit":"0","remaining":"0",)"
            R"("reset_time":"0","error":"","metadata":{"owner":"10.0.0.1:1051"}}]})");
  (*r->mutable_metadata())["region"] = "eu";
  EXPECT_FALSE(PrintsFast(resp));
  ExpectSameJson(resp);
}

TEST(GubernatorJsonTest, PrintsEmptyListAndUnnamedStatus) {
  GetRateLimitsResp resp;
  EXPECT_EQ(GetRateLimitsRespToJson(resp), R"({"responses":[]})");
  ExpectSameJson(resp);
  resp.add_responses()->set_status(static_cast<pb::gubernator::Status>(-3));
  resp.add_responses()->set_status(static_cast<pb::gubernator::Status>(7));
  EXPECT_TRUE(PrintsFast(resp));
  EXPECT_NE(GetRateLimitsRespToJson(resp).find(R"("status":-3)"), std::string::npos);
  ExpectSameJson(resp);
}

TEST(GubernatorJsonTest, EscapesStringsAsProtobufDoes) {
  GetRateLimitsResp resp;
  auto* r = resp.add_responses();
  r->set_error("a\"b\\c<d>e&f'g=h\n\x01\x7f/" + Utf8(0x2028) + Utf8(0xe0001) + "é");
  EXPECT_TRUE(PrintsFast(resp));
  EXPECT_NE(GetRateLimitsRespToJson(resp).find(
                R"("error":"a\"b\\c\u003cd\u003ee&f'g=h\n\u0001\u007f/\u2028\udb40\udc01é")"),
            std::string::npos);
  ExpectSameJson(resp);
}

// Each range protobuf escapes, at and around its ends, plus the edges of the UTF-8 lengths.
TEST(GubernatorJsonTest, UnicodeEscapeRangesMatchProtobuf) {
  const std::vector<std::pair<uint32_t, uint32_t>> kEscaped = {
      {0x0, 0x1f},         {0x7f, 0x9f},       {0xad, 0xad},       {0x600, 0x603},
      {0x6dd, 0x6dd},      {0x70f, 0x70f},     {0x17b4, 0x17b5},   {0x200b, 0x200f},
      {0x2028, 0x202e},    {0x2060, 0x2064},   {0x206a, 0x206f},   {0xfeff, 0xfeff},
      {0xfff9, 0xfffb},    {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
      {0x7ff, 0x800},      {0xd7ff, 0xd7ff},   {0xe000, 0xe000},   {0xffff, 0x10000},
      {0x10ffff, 0x10ffff}};
  GetRateLimitsResp resp;
  auto* r = resp.add_responses();
  for (auto [first, last] : kEscaped) {
    for (uint32_t cp = first > 0 ? first - 1 : 0; cp <= last + 1; ++cp) {
      if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) continue;
      r->set_error("x" + Utf8(cp) + "y");
      ASSERT_TRUE(PrintsFast(resp)) << std::hex << cp;
      ASSERT_EQ(GetRateLimitsRespToJson(resp), ToJson(resp)) << std::hex << cp;
    }
  }
}

TEST(GubernatorJsonTest, InvalidUtf8GoesToProtobuf) {
  GetRateLimitsResp resp;
  resp.add_responses()->set_error("a\xff");
  EXPECT_FALSE(PrintsFast(resp));
  ExpectSameJson(resp);
}

TEST(GubernatorJsonTest, RandomResponsesPrintAsProtobufDoes) {
  Random random(20240601);
  int fast = 0;
  constexpr int kCases = 2000;
  for (int i = 0; i < kCases; ++i) {
    GetRateLimitsResp resp;
    bool valid_utf8 = !random.OneIn(8);
    for (size_t n = random.Below(4); n > 0; --n) {
      auto* r = resp.add_responses();
      r->set_status(static_cast<pb::gubernator::Status>(random.EnumNumber(2)));
      r->set_limit(random.Int64());
      r->set_remaining(random.Int64());
      r->set_reset_time(random.Int64());
      r->set_error(random.String(valid_utf8));
      size_t entries = random.OneIn(3) ? 0 : random.OneIn(4) ? 2 + random.Below(3) : 1;
      for (; entries > 0; --entries) {
        (*r->mutable_metadata())[random.String(valid_utf8)] = random.String(valid_utf8);
      }
    }
    fast += PrintsFast(resp) ? 1 : 0;
    ExpectSameJson(resp);
    if (HasFailure()) break;
  }
  // Most cases must exercise the fast printer, not just protobuf twice.
  EXPECT_GT(fast, kCases / 3);
}

// ---------------------------------------------------------------------------------------------
// Parsing

const char kPrior[] = "left untouched on error";

// The fast parse and protobuf's agree on `json`: status, message, and presence of created_at.
// Both start from the same non-empty request, to also compare what an error leaves behind.
void ExpectSameParse(const std::string& json) {
  // Some odd bodies make protobuf log; the results are what is compared.
  google::protobuf::LogSilencer quiet;
  GetRateLimitsReq fast;
  GetRateLimitsReq slow;
  fast.add_requests()->set_name(kPrior);
  slow.add_requests()->set_name(kPrior);
  absl::Status fast_status = ParseGetRateLimitsReq(json, &fast);
  absl::Status slow_status = ParseJson(json, &slow);
  ASSERT_EQ(fast_status, slow_status) << json;
  ASSERT_TRUE(MessageDifferencer::Equals(fast, slow))
      << json << "\nfast: " << fast.DebugString() << "\nprotobuf: " << slow.DebugString();
  for (int i = 0; i < fast.requests_size(); ++i) {
    ASSERT_EQ(fast.requests(i).has_created_at(), slow.requests(i).has_created_at()) << json;
  }
}

bool ParsesFast(const std::string& json) {
  GetRateLimitsReq req;
  return internal::TryParseGetRateLimitsReqFast(json, &req);
}

TEST(GubernatorJsonTest, ParsesTheCommonShapeFast) {
  const std::string json =
      R"({"requests":[{"name":"requests_per_sec","unique_key":"account:12345","hits":"1",)"
      R"("limit":"10","duration":"1000","algorithm":"TOKEN_BUCKET","behavior":"BATCHING",)"
      R"("burst":"0","metadata":{}}]})";
  GetRateLimitsReq req;
  ASSERT_TRUE(internal::TryParseGetRateLimitsReqFast(json, &req));
  ASSERT_EQ(req.requests_size(), 1);
  EXPECT_EQ(req.requests(0).name(), "requests_per_sec");
  EXPECT_EQ(req.requests(0).unique_key(), "account:12345");
  EXPECT_EQ(req.requests(0).hits(), 1);
  EXPECT_EQ(req.requests(0).limit(), 10);
  EXPECT_EQ(req.requests(0).duration(), 1000);
  EXPECT_FALSE(req.requests(0).has_created_at());
  ExpectSameParse(json);
}

TEST(GubernatorJsonTest, ParsesBehaviorBitsAsNumberFast) {
  const std::string json = R"({"requests":[{"name":"n","uniqueKey":"k","behavior":6}]})";
  GetRateLimitsReq req;
  ASSERT_TRUE(internal::TryParseGetRateLimitsReqFast(json, &req));
  EXPECT_EQ(static_cast<int>(req.requests(0).behavior()), 6);
  ExpectSameParse(json);
}

TEST(GubernatorJsonTest, CreatedAtPresenceFollowsProtobuf) {
  GetRateLimitsReq req;
  ASSERT_TRUE(
      ParseGetRateLimitsReq(R"({"requests":[{"created_at":0},{"createdAt":null},{}]})", &req).ok());
  EXPECT_TRUE(req.requests(0).has_created_at());
  EXPECT_FALSE(req.requests(1).has_created_at());
  EXPECT_FALSE(req.requests(2).has_created_at());
}

TEST(GubernatorJsonTest, UnknownEnumNameIsLeftToProtobuf) {
  // Protobuf ignores it (keeping the default), as it ignores unknown fields.
  const std::string json = R"({"requests":[{"name":"n","algorithm":"ROLLING_WINDOW"}]})";
  EXPECT_FALSE(ParsesFast(json));
  GetRateLimitsReq req;
  ASSERT_TRUE(ParseGetRateLimitsReq(json, &req).ok());
  EXPECT_EQ(req.requests(0).algorithm(), pb::gubernator::TOKEN_BUCKET);
  ExpectSameParse(json);
}

TEST(GubernatorJsonTest, SlidingWindowIsAnAlgorithmName) {
  const std::string json = R"({"requests":[{"name":"n","algorithm":"SLIDING_WINDOW"}]})";
  GetRateLimitsReq req;
  ASSERT_TRUE(ParseGetRateLimitsReq(json, &req).ok());
  EXPECT_EQ(req.requests(0).algorithm(), pb::gubernator::SLIDING_WINDOW);
  ExpectSameParse(json);
}

TEST(GubernatorJsonTest, FloatsAreLeftToProtobuf) {
  for (const char* json : {R"({"requests":[{"hits":1.5}]})", R"({"requests":[{"hits":1e3}]})",
                           R"({"requests":[{"hits":2.0}]})"}) {
    EXPECT_FALSE(ParsesFast(json)) << json;
    ExpectSameParse(json);
  }
  GetRateLimitsReq req;
  EXPECT_EQ(ParseGetRateLimitsReq(R"({"requests":[{"hits":1.5}]})", &req),
            ParseJson(R"({"requests":[{"hits":1.5}]})", &req));
  EXPECT_EQ(ParseGetRateLimitsReq(R"({"requests":[{"hits":1.5}]})", &req).code(),
            absl::StatusCode::kInvalidArgument);
}

// Shapes the fast path takes, each checked against protobuf.
TEST(GubernatorJsonTest, HandWrittenShapesParseFastAndAsProtobufDoes) {
  const std::vector<std::string> kFast = {
      R"({})",
      R"({"requests":[]})",
      R"({"requests":null})",
      R"({"requests":[{}]})",
      R"({"requests":[{},{}]})",
      R"( { "requests" : [ { "name" : "n" , "hits" : 1 } ] } )",
      "{\n\t\"requests\":\r\n[{\"name\":\"n\"}]}\n",
      R"({"requests":[{"uniqueKey":"k","createdAt":"5","algorithm":1,"behavior":"GLOBAL"}]})",
      R"({"requests":[{"unique_key":"k","created_at":5,"algorithm":"LEAKY_BUCKET"}]})",
      R"({"requests":[{"behavior":3},{"behavior":-1},{"behavior":2147483647}]})",
      R"({"requests":[{"behavior":-2147483648,"algorithm":-0}]})",
      R"({"requests":[{"hits":9223372036854775807,"limit":-9223372036854775808}]})",
      R"({"requests":[{"hits":"9223372036854775807","limit":"-9223372036854775808"}]})",
      R"({"requests":[{"hits":-0,"limit":"-0","burst":0}]})",
      R"({"requests":[{"hits":null,"name":null,"algorithm":null,"metadata":null}]})",
      R"({"requests":[{"created_at":null}]})",
      R"({"requests":[{"metadata":{"owner":"a:1","b":"","":"c"}}]})",
      R"({"requests":[{"metadata":{}}]})",
      R"({"requests":[{"foo":[1,{"a":[null,true,false,"x"]}],"bar":{}}],"baz":{"x":1}})",
      R"({"x":null,"y":true,"z":"s","requests":[{"foo":null,"bar":false}],"w":[]})",
      R"({"requests":[{"foo":1,"foo":2}],"bar":1,"bar":2})",
      R"({"@type":5,"requests":[{"@type":[1],"@value":1,"requests":[{"name":"y"}]}]})",
      R"({"requests":[{"UniqueKey":"a","Name":"b","unique-key":"c","uniquekey":"d"}]})",
      R"({"requests":[{"name":"a\u0000b\ud83d\ude00\n\/\"\\\b\f\r\t\u00e9\u00E9"}]})",
      R"({"requests":[{"name":"\uD83D\uDE00","unique_key":"é中😀"}]})",
      R"({"requests":[{"name":"x"}],"foo":"\u2028"})",
      R"({"requests":[{"metadata":{"a\u0062":"x","\"\n\u2028":"y"}}]})",
  };
  for (const auto& json : kFast) {
    EXPECT_TRUE(ParsesFast(json)) << json;
    ExpectSameParse(json);
  }
}

// Shapes left to protobuf, each still answered exactly as protobuf does.
TEST(GubernatorJsonTest, HandWrittenOddShapesGoToProtobuf) {
  std::string deep =
      R"({"requests":[{"foo":)" + std::string(40, '[') + std::string(40, ']') + "}]}";
  const std::vector<std::string> kOdd = {
      "",
      " ",
      "null",
      "[]",
      "1",
      R"("x")",
      "{",
      "}",
      "{]",
      R"({"requests":[)",
      R"({"requests":[{"name":"x"}]}x)",
      R"({"requests":[{"name":"x"}]}{})",
      "{\"requests\":[]}\v",
      "\xef\xbb\xbf{}",
      std::string("{\"requests\":[]}\0", 16),
      std::string("{\"requests\":[{\"name\":\"a\0b\"}]}", 30),
      R"({"requests":{}})",
      R"({"requests":"x"})",
      R"({"requests":1})",
      R"({"requests":[null]})",
      R"({"requests":[[]]})",
      R"({"requests":[1]})",
      R"({"requests":[{"hits":1}],"requests":[{"hits":2}]})",
      R"({"requests":[{"hits":1,"hits":2}]})",
      R"({"requests":[{"hits":1,"hits":null}]})",
      R"({"requests":[{"unique_key":"a","uniqueKey":"b"}]})",
      R"({"requests":[{"created_at":1,"createdAt":2}]})",
      R"({"requests":[{"metadata":{"a":"1","a":"2"}}]})",
      R"({"requests":[{"metadata":{"a":null}}]})",
      R"({"requests":[{"metadata":{"a":1}}]})",
      R"({"requests":[{"metadata":{"a":{}}}]})",
      R"({"requests":[{"metadata":[]}]})",
      R"({"requests":[{"metadata":"x"}]})",
      R"({"requests":[{"name":1}]})",
      R"({"requests":[{"name":true}]})",
      R"({"requests":[{"name":{}}]})",
      R"({"requests":[{"name":[]}]})",
      R"({"requests":[{"hits":true}]})",
      R"({"requests":[{"hits":"007"}]})",
      R"({"requests":[{"hits":"+7"}]})",
      R"({"requests":[{"hits":" 7"}]})",
      R"({"requests":[{"hits":"7 "}]})",
      R"({"requests":[{"hits":""}]})",
      R"({"requests":[{"hits":"1.0"}]})",
      R"({"requests":[{"hits":"0x10"}]})",
      R"({"requests":[{"hits":01}]})",
      R"({"requests":[{"hits":-}]})",
      R"({"requests":[{"hits":9223372036854775808}]})",
      R"({"requests":[{"hits":-9223372036854775809}]})",
      R"({"requests":[{"hits":"9223372036854775808"}]})",
      R"({"requests":[{"hits":18446744073709551616}]})",
      R"({"requests":[{"behavior":2147483648}]})",
      R"({"requests":[{"behavior":-2147483649}]})",
      R"({"requests":[{"behavior":"global"}]})",
      R"({"requests":[{"behavior":"6"}]})",
      R"({"requests":[{"behavior":true}]})",
      R"({"requests":[{"behavior":1.0}]})",
      R"({"requests":[{"foo":1.5}]})",
      R"({"requests":[{"foo":1e999}]})",
      R"({"requests":[{"foo":99999999999999999999}]})",
      R"({"requests":[{"uniq\u0065Key":"a"}]})",
      R"({"requ\u0065sts":[{"name":"x"}]})",
      R"({"requests":[{"n\u0061me":"x"}]})",
      R"({"":1})",
      R"({"requests":[{"":null}]})",
      R"({"requests":[{"":{"name":"x"}}]})",
      R"({"requests":[{"":"x"}]})",
      R"({"requests":[{"foo":{"":1}}]})",
      R"({"requests":[{"foo":{"n\u0061me":"x"}}]})",
      R"({"requests":[{"name":"\udc00"}]})",
      R"({"requests":[{"name":"\ud800"}]})",
      R"({"requests":[{"name":"\ud800\u0041"}]})",
      R"({"requests":[{"foo":"\udc00"}]})",
      R"({"requests":[{"name":"\u12"}]})",
      R"({"requests":[{"name":"\x41"}]})",
      R"({"requests":[{"name":"\'"}]})",
      "{\"requests\":[{\"name\":\"\x01\"}]}",
      "{\"requests\":[{\"name\":\"\xff\"}]}",
      "{\"requests\":[{\"foo\":\"\xc0\x80\"}]}",
      "{\"requests\":[{\"name\":\"\xed\xa0\x80\"}]}",
      "{\"requests\":[{\"\xff\":1}]}",
      R"({"requests":[{"name":"x",}]})",
      R"({"requests":[{"name":"x"},]})",
      R"({/*c*/"requests":[]})",
      R"({'requests':[]})",
      R"({requests:[]})",
      R"({"requests":[{"hits":NaN}]})",
      deep,
  };
  for (const auto& json : kOdd) {
    EXPECT_FALSE(ParsesFast(json)) << json;
    ExpectSameParse(json);
  }
}

// JSON text for `s`, escaping only what JSON requires and, at random, anything else as \uXXXX.
std::string JsonStringFor(std::string_view s, Random& random) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t length = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    uint32_t cp = length == 1 ? c : c & (0xff >> (length + 1));
    for (size_t k = 1; k < length; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    auto unit = [&out](uint32_t u) { out += absl::StrCat("\\u", absl::Hex(u, absl::kZeroPad4)); };
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp < 0x20 || random.OneIn(6)) {
      if (cp < 0x10000) {
        unit(cp);
      } else {
        unit(0xd800 + ((cp - 0x10000) >> 10));
        unit(0xdc00 + ((cp - 0x10000) & 0x3ff));
      }
    } else {
      out.append(s.substr(i, length));
    }
    i += length;
  }
  return out + "\"";
}

RateLimitReq RandomRequest(Random& random) {
  RateLimitReq r;
  r.set_name(random.String(true));
  r.set_unique_key(random.String(true));
  if (!random.OneIn(3)) r.set_hits(random.Int64());
  if (!random.OneIn(3)) r.set_limit(random.Int64());
  if (!random.OneIn(3)) r.set_duration(random.Int64());
  if (!random.OneIn(3)) r.set_burst(random.Int64());
  r.set_algorithm(static_cast<pb::gubernator::Algorithm>(random.EnumNumber(2)));
  r.set_behavior(static_cast<pb::gubernator::Behavior>(random.OneIn(2) ? random.EnumNumber(2)
                                                                       : 1 << random.Below(6)));
  for (size_t n = random.Below(4); n > 0; --n) {
    (*r.mutable_metadata())[random.String(true)] = random.String(true);
  }
  if (random.OneIn(2)) r.set_created_at(random.Int64());
  return r;
}

// The request as a client might write it: either naming style, int64 as numbers or strings,
// enums as names or numbers, null for defaults, unknown fields, varied whitespace.
std::string HandWrittenJson(const GetRateLimitsReq& req, Random& random) {
  bool camel = random.OneIn(2);
  auto space = [&random] {
    static const char* const kSpace[] = {"", "", " ", "\n  ", "\t", "\r\n"};
    return kSpace[random.Below(6)];
  };
  auto int64 = [&random](int64_t v) {
    return random.OneIn(2) ? absl::StrCat(v) : absl::StrCat("\"", v, "\"");
  };
  auto enumeration = [&random](const google::protobuf::EnumDescriptor& type, int v) {
    const auto* value = type.FindValueByNumber(v);
    return value != nullptr && random.OneIn(2) ? absl::StrCat("\"", value->name(), "\"")
                                               : absl::StrCat(v);
  };
  std::string unknown = R"("extra":{"a":[1,"b",null,{"c":true}]})";
  std::vector<std::string> top = {"\"requests\":" + std::string(space()) + "["};
  for (int i = 0; i < req.requests_size(); ++i) {
    const RateLimitReq& r = req.requests(i);
    std::vector<std::string> fields;
    auto add = [&](const char* snake, const char* lower_camel, const std::string& value) {
      fields.push_back(absl::StrCat("\"", camel ? lower_camel : snake, "\":", space(), value));
    };
    add("name", "name", JsonStringFor(r.name(), random));
    add("unique_key", "uniqueKey", JsonStringFor(r.unique_key(), random));
    if (r.hits() != 0 || random.OneIn(2)) add("hits", "hits", int64(r.hits()));
    if (r.limit() != 0) add("limit", "limit", int64(r.limit()));
    if (r.duration() != 0) add("duration", "duration", int64(r.duration()));
    if (r.burst() != 0) add("burst", "burst", int64(r.burst()));
    if (r.duration() == 0 && random.OneIn(2)) add("duration", "duration", "null");
    add("algorithm", "algorithm",
        enumeration(*pb::gubernator::Algorithm_descriptor(), r.algorithm()));
    add("behavior", "behavior", enumeration(*pb::gubernator::Behavior_descriptor(), r.behavior()));
    if (r.metadata_size() > 0 || random.OneIn(2)) {
      std::vector<std::string> entries;
      for (const auto& [key, value] : r.metadata()) {
        entries.push_back(JsonStringFor(key, random) + ":" + JsonStringFor(value, random));
      }
      add("metadata", "metadata", "{" + absl::StrJoin(entries, ",") + "}");
    }
    if (r.has_created_at()) add("created_at", "createdAt", int64(r.created_at()));
    if (random.OneIn(3)) fields.push_back(unknown);
    std::shuffle(fields.begin(), fields.end(), std::mt19937(random.Below(1000)));
    top[0] += absl::StrCat(i > 0 ? "," : "", space(), "{", absl::StrJoin(fields, ","), "}");
  }
  top[0] += "]";
  if (random.OneIn(3)) top.push_back(unknown);
  std::shuffle(top.begin(), top.end(), std::mt19937(random.Below(1000)));
  return absl::StrCat(space(), "{", absl::StrJoin(top, ","), "}", space());
}

std::string ProtobufJson(const GetRateLimitsReq& req, bool proto_names) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = proto_names;
  options.always_print_primitive_fields = proto_names;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(req, &json, options).ok());
  return json;
}

// Truncated, cut, with a JSON-significant character inserted or overwritten, or with an odd
// member (empty, escaped, miscased or repeated name; value of a surprising type) opening an object.
std::string Mutated(std::string json, Random& random) {
  static const char kChars[] = "{}[],:\"\\ 0123456789-+.eEnulltruefalse\x01\xff";
  static const char* const kNames[] = {"",      "@type",      "Name",          "NAME",
                                       "hits",  "createdAt",  "metadata",      "requests",
                                       "extra", "n\\u0061me", "uniq\\u0065Key"};
  static const char* const kValues[] = {"null",
                                        "0",
                                        "-0",
                                        "1.5",
                                        "\"5\"",
                                        "true",
                                        "[]",
                                        "{}",
                                        "{\"name\":\"x\"}",
                                        "[\"a\",{\"b\":null}]"};
  size_t at = random.Below(json.size() + 1);
  switch (random.Below(5)) {
    case 0:
      return json.substr(0, at);
    case 1:
      return at < json.size() ? json.erase(at, 1 + random.Below(3)) : json;
    case 2:
      return json.insert(at, 1, kChars[random.Below(sizeof(kChars) - 1)]);
    case 3:
      if (at < json.size()) json[at] = kChars[random.Below(sizeof(kChars) - 1)];
      return json;
    default: {
      size_t brace = json.find('{', at);
      if (brace == std::string::npos) brace = json.find('{');
      if (brace == std::string::npos) return json;
      bool empty = json.find_first_not_of(" \t\r\n", brace + 1) == json.find('}', brace + 1);
      return json.insert(brace + 1, absl::StrCat("\"", kNames[random.Below(std::size(kNames))],
                                                 "\":", kValues[random.Below(std::size(kValues))],
                                                 empty ? "" : ","));
    }
  }
}

TEST(GubernatorJsonTest, RandomRequestsParseAsProtobufDoes) {
  Random random(7);
  int fast = 0;
  constexpr int kCases = 300;
  for (int i = 0; i < kCases; ++i) {
    GetRateLimitsReq req;
    for (size_t n = random.Below(4); n > 0; --n) *req.add_requests() = RandomRequest(random);
    std::string hand_written = HandWrittenJson(req, random);
    for (const std::string& json :
         {ProtobufJson(req, true), ProtobufJson(req, false), hand_written}) {
      ExpectSameParse(json);
      GetRateLimitsReq parsed;
      ASSERT_TRUE(internal::TryParseGetRateLimitsReqFast(json, &parsed)) << json;
      ASSERT_TRUE(MessageDifferencer::Equals(parsed, req)) << json;
      ++fast;
    }
    for (int m = 0; m < 3; ++m) ExpectSameParse(Mutated(hand_written, random));
    if (HasFailure()) break;
  }
  EXPECT_EQ(fast, 3 * kCases);
}

TEST(GubernatorJsonTest, GarbageParsesAsProtobufDoes) {
  Random random(99);
  static const char kChars[] = "{}[],:\" \"requests\"name\"hits\"0123456789-.enulltruefalse\\u";
  for (int i = 0; i < 1000; ++i) {
    std::string json;
    for (size_t n = random.Below(40); n > 0; --n) json += kChars[random.Below(sizeof(kChars) - 1)];
    ExpectSameParse(json);
    if (HasFailure()) break;
  }
}

// The codec knows these messages field by field: a new field must be taught to it.
TEST(GubernatorJsonTest, CodecCoversEveryField) {
  EXPECT_EQ(GetRateLimitsReq::descriptor()->field_count(), 1);
  EXPECT_EQ(RateLimitReq::descriptor()->field_count(), 10);
  EXPECT_EQ(GetRateLimitsResp::descriptor()->field_count(), 1);
  EXPECT_EQ(RateLimitResp::descriptor()->field_count(), 6);
}

}  // namespace
}  // namespace sluice::api
