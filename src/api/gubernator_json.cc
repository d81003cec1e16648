#include "api/gubernator_json.h"

#include <rapidjson/reader.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

#include "api/json.h"

namespace sluice::api {
namespace {

using pb::gubernator::GetRateLimitsReq;
using pb::gubernator::GetRateLimitsResp;
using pb::gubernator::RateLimitReq;
using pb::gubernator::RateLimitResp;

// ---------------------------------------------------------------------------------------------
// UTF-8

// Decodes the strict (RFC 3629) UTF-8 sequence at *p, whose lead byte is not ASCII, and advances
// *p past it. False for anything protobuf would reject: stray continuation bytes, truncated
// sequences, overlong forms, surrogates and code points above U+10FFFF.
bool DecodeMultibyteUtf8(const char** p, const char* end, uint32_t* code_point) {
  const auto* s = reinterpret_cast<const unsigned char*>(*p);
  const auto* e = reinterpret_cast<const unsigned char*>(end);
  int length;
  uint32_t cp;
  uint32_t min;
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    length = 2, cp = s[0] & 0x1fu, min = 0x80;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    length = 3, cp = s[0] & 0x0fu, min = 0x800;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    length = 4, cp = s[0] & 0x07u, min = 0x10000;
  } else {
    return false;
  }
  if (e - s < length) return false;
  for (int i = 1; i < length; ++i) {
    if ((s[i] & 0xc0u) != 0x80) return false;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  *p += length;
  *code_point = cp;
  return true;
}

bool IsValidUtf8(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p != end) {
    if (static_cast<unsigned char>(*p) < 0x80) {
      ++p;
      continue;
    }
    uint32_t code_point;
    if (!DecodeMultibyteUtf8(&p, end, &code_point)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parsing

// `text` as int64 when it is written -?(0|[1-9][0-9]*) and in range. Protobuf accepts more
// ("+7", "007", 1e3, 1.0); those are left to it.
bool ParsePlainInt64(std::string_view text, int64_t* value) {
  std::string_view digits = text.substr(text.starts_with('-') ? 1 : 0);
  if (digits.size() > 1 && digits[0] == '0') return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

// The number of the value of `type` named exactly `name`, if any. Protobuf would also take
// numbers in strings and, ignoring unknown names, silently keep the default; those are left to it.
bool FindEnumNumber(const google::protobuf::EnumDescriptor& type, std::string_view name,
                    int* number) {
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->name() == name) {
      *number = type.value(i)->number();
      return true;
    }
  }
  return false;
}

// What the value after a key fills in.
enum class Slot : uint8_t {
  // RateLimitReq fields; also bit positions in RequestHandler::seen_.
  kName,
  kUniqueKey,
  kHits,
  kLimit,
  kDuration,
  kAlgorithm,
  kBehavior,
  kBurst,
  kMetadata,
  kCreatedAt,
  // GetRateLimitsReq.requests.
  kRequests,
  // One RateLimitReq.metadata entry.
  kMetadataValue,
  // A field protobuf ignores.
  kUnknown,
};

// Protobuf accepts each field under its proto name and its lowerCamel JSON name.
Slot RequestFieldSlot(std::string_view key) {
  static constexpr std::pair<std::string_view, Slot> kKeys[] = {
      {"name", Slot::kName},
      {"unique_key", Slot::kUniqueKey},
      {"uniqueKey", Slot::kUniqueKey},
      {"hits", Slot::kHits},
      {"limit", Slot::kLimit},
      {"duration", Slot::kDuration},
      {"algorithm", Slot::kAlgorithm},
      {"behavior", Slot::kBehavior},
      {"burst", Slot::kBurst},
      {"metadata", Slot::kMetadata},
      {"created_at", Slot::kCreatedAt},
      {"createdAt", Slot::kCreatedAt},
  };
  for (const auto& [name, slot] : kKeys) {
    if (key == name) return slot;
  }
  return Slot::kUnknown;
}

// A length-bounded rapidjson input stream that counts the backslashes it hands out, so the
// handler can tell a key written with escapes (which protobuf does not always match as the
// decoded name) from a plain one. rapidjson's StreamTraits copyOptimization must stay off for it:
// the reader would then count in a local copy the handler cannot see.
class CountingStream {
 public:
  using Ch = char;

  explicit CountingStream(std::string_view json)
      : begin_(json.data()), next_(json.data()), end_(json.data() + json.size()) {}

  Ch Peek() const { return next_ == end_ ? '\0' : *next_; }
  Ch Take() {
    if (next_ == end_) return '\0';
    char c = *next_++;
    backslashes_ += c == '\\' ? 1 : 0;
    return c;
  }
  size_t Tell() const { return static_cast<size_t>(next_ - begin_); }
  size_t backslashes() const { return backslashes_; }

  // The output half of rapidjson's Stream concept, used only by in-situ parsing.
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  size_t PutEnd(Ch*) { return 0; }

 private:
  const char* begin_;
  const char* next_;
  const char* end_;
  size_t backslashes_ = 0;
};

// rapidjson SAX handler filling a GetRateLimitsReq. Every callback returns false — which stops
// the parse and sends the body to protobuf — on anything outside the shapes it knows protobuf
// maps the same way.
class RequestHandler {
 public:
  RequestHandler(const CountingStream& stream, GetRateLimitsReq* req)
      : stream_(stream), req_(req) {}

  bool done() const { return where_ == Where::kDone; }

  bool Null() {
    if (Ignoring()) return true;
    // A null field keeps its default (and created_at stays unset).
    return where_ == Where::kRoot || where_ == Where::kRequest;
  }
  bool Bool(bool) { return Ignoring(); }
  // kParseNumbersAsStringsFlag routes every number to RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }

  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    int64_t value;
    if (!ParsePlainInt64(std::string_view(text, length), &value)) return false;
    if (Ignoring()) return true;
    if (where_ != Where::kRequest) return false;
    switch (slot_) {
      case Slot::kAlgorithm:
      case Slot::kBehavior:
        // Enums are open: any int32 is kept as is.
        if (value < INT32_MIN || value > INT32_MAX) return false;
        return SetEnum(static_cast<int>(value));
      default:
        return SetInt64(value);
    }
  }

  bool String(const char* chars, rapidjson::SizeType length, bool) {
    std::string_view text(chars, length);
    backslashes_seen_ = stream_.backslashes();
    // rapidjson decodes an escaped lone surrogate into invalid UTF-8; protobuf rejects it.
    if (!IsValidUtf8(text)) return false;
    if (Ignoring()) return true;
    if (where_ == Where::kMetadata) {
      return request_->mutable_metadata()->try_emplace(std::move(metadata_key_), text).second;
    }
    if (where_ != Where::kRequest) return false;
    switch (slot_) {
      case Slot::kName:
        request_->mutable_name()->assign(text);
        return true;
      case Slot::kUniqueKey:
        request_->mutable_unique_key()->assign(text);
        return true;
      case Slot::kAlgorithm:
      case Slot::kBehavior: {
        int number;
        const auto& type = slot_ == Slot::kAlgorithm ? *pb::gubernator::Algorithm_descriptor()
                                                     : *pb::gubernator::Behavior_descriptor();
        return FindEnumNumber(type, text, &number) && SetEnum(number);
      }
      case Slot::kMetadata:
        return false;
      default: {
        int64_t value;
        return ParsePlainInt64(text, &value) && SetInt64(value);
      }
    }
  }

  bool Key(const char* chars, rapidjson::SizeType length, bool) {
    std::string_view key(chars, length);
    bool escaped = stream_.backslashes() != backslashes_seen_;
    backslashes_seen_ = stream_.backslashes();
    if (!IsValidUtf8(key)) return false;
    // Protobuf reads a map key as any string, but not so a field name: written with escapes it
    // may miss its field ("uniq\u0065Key" is ignored while "n\u0061me" is not), and empty it
    // means "no name" (an error, or a value merged into the enclosing message).
    bool map_key = skip_depth_ == 0 && where_ == Where::kMetadata;
    if (!map_key && (escaped || key.empty())) return false;
    if (skip_depth_ > 0) return true;
    switch (where_) {
      case Where::kRoot:
        slot_ = key == "requests" ? Slot::kRequests : Slot::kUnknown;
        return slot_ == Slot::kUnknown || !std::exchange(requests_seen_, true);
      case Where::kRequest:
        slot_ = RequestFieldSlot(key);
        return slot_ == Slot::kUnknown || MarkSeen(slot_);
      case Where::kMetadata:
        slot_ = Slot::kMetadataValue;
        metadata_key_.assign(key);
        return true;
      default:
        return false;
    }
  }

  bool StartObject() {
    if (Ignoring()) return Descend();
    switch (where_) {
      case Where::kStart:
        where_ = Where::kRoot;
        return true;
      case Where::kRequests:
        request_ = req_->add_requests();
        seen_ = 0;
        where_ = Where::kRequest;
        return true;
      case Where::kRequest:
        if (slot_ != Slot::kMetadata) return false;
        where_ = Where::kMetadata;
        return true;
      default:
        return false;
    }
  }

  bool EndObject(rapidjson::SizeType) {
    if (skip_depth_ > 0) return Ascend();
    switch (where_) {
      case Where::kRoot:
        where_ = Where::kDone;
        return true;
      case Where::kRequest:
        where_ = Where::kRequests;
        slot_ = Slot::kRequests;
        return true;
      case Where::kMetadata:
        where_ = Where::kRequest;
        slot_ = Slot::kMetadata;
        return true;
      default:
        return false;
    }
  }

  bool StartArray() {
    if (Ignoring()) return Descend();
    if (where_ != Where::kRoot || slot_ != Slot::kRequests) return false;
    where_ = Where::kRequests;
    return true;
  }

  bool EndArray(rapidjson::SizeType) {
    if (skip_depth_ > 0) return Ascend();
    if (where_ != Where::kRequests) return false;
    where_ = Where::kRoot;
    slot_ = Slot::kRequests;
    return true;
  }

 private:
  enum class Where : uint8_t { kStart, kRoot, kRequests, kRequest, kMetadata, kDone };

  // Far below protobuf's own nesting limit, so anything deeper is left to it.
  static constexpr int kMaxSkipDepth = 32;

  // Inside, or at, the value of an unknown field, which is checked but not kept.
  bool Ignoring() const {
    return skip_depth_ > 0 ||
           ((where_ == Where::kRoot || where_ == Where::kRequest) && slot_ == Slot::kUnknown);
  }

  // Enter / leave an object or array in the value of an unknown field.
  bool Descend() { return ++skip_depth_ <= kMaxSkipDepth; }
  bool Ascend() {
    --skip_depth_;
    return true;
  }

  // False on a repeated field: protobuf's merge rules for those are left to it.
  bool MarkSeen(Slot slot) {
    uint32_t bit = 1u << static_cast<int>(slot);
    if (seen_ & bit) return false;
    seen_ |= bit;
    return true;
  }

  bool SetInt64(int64_t value) {
    switch (slot_) {
      case Slot::kHits:
        request_->set_hits(value);
        return true;
      case Slot::kLimit:
        request_->set_limit(value);
        return true;
      case Slot::kDuration:
        request_->set_duration(value);
        return true;
      case Slot::kBurst:
        request_->set_burst(value);
        return true;
      case Slot::kCreatedAt:
        request_->set_created_at(value);
        return true;
      default:
        return false;
    }
  }

  bool SetEnum(int number) {
    if (slot_ == Slot::kAlgorithm) {
      request_->set_algorithm(static_cast<pb::gubernator::Algorithm>(number));
    } else {
      request_->set_behavior(static_cast<pb::gubernator::Behavior>(number));
    }
    return true;
  }

  const CountingStream& stream_;
  GetRateLimitsReq* req_;
  RateLimitReq* request_ = nullptr;  // The element of req_->requests being filled.
  Where where_ = Where::kStart;
  Slot slot_ = Slot::kRequests;  // Meaningful after a key, at the level of `where_`.
  int skip_depth_ = 0;           // Nesting inside the value of an unknown field.
  bool requests_seen_ = false;
  uint32_t seen_ = 0;            // Bit per RateLimitReq field already given in request_.
  size_t backslashes_seen_ = 0;  // stream_.backslashes() after the previous string or key.
  std::string metadata_key_;
};

// ---------------------------------------------------------------------------------------------
// Printing

// Protobuf 3.21 escapes these non-ASCII code points as \uXXXX (util/internal/json_escaping.cc:
// C1 controls and invisible or formatting characters); every other one is copied as UTF-8.
// gubernator_json_test.cc checks the boundaries of each range against protobuf.
bool NeedsUnicodeEscape(uint32_t cp) {
  if (cp < 0x10000) {
    return cp < 0xa0 || cp == 0xad || (cp >= 0x600 && cp <= 0x603) || cp == 0x6dd || cp == 0x70f ||
           cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
  }
  return (cp >= 0x1d173 && cp <= 0x1d17a) || cp == 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

// ASCII bytes protobuf copies as they are. It escapes the rest: '"' and '\\' as JSON requires,
// '<' and '>' for HTML safety, and control characters.
bool IsPlainAscii(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>';
}

void AppendUtf16Escape(uint32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char escape[6] = {'\\',
                    'u',
                    kHex[(unit >> 12) & 0xf],
                    kHex[(unit >> 8) & 0xf],
                    kHex[(unit >> 4) & 0xf],
                    kHex[unit & 0xf]};
  out->append(escape, sizeof(escape));
}

void AppendAsciiEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default:
      AppendUtf16Escape(c, out);
  }
}

// Appends `s` as a quoted JSON string escaped as protobuf does. False on invalid UTF-8, whose
// output protobuf garbles (and logs) in ways left to it.
bool AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  const char* p = s.data();
  const char* end = p + s.size();
  while (p != end) {
    const char* run = p;
    while (p != end && IsPlainAscii(static_cast<unsigned char>(*p))) ++p;
    out->append(run, p);
    if (p == end) break;
    auto c = static_cast<unsigned char>(*p);
    if (c < 0x80) {
      AppendAsciiEscape(c, out);
      ++p;
      continue;
    }
    const char* start = p;
    uint32_t cp;
    if (!DecodeMultibyteUtf8(&p, end, &cp)) return false;
    if (!NeedsUnicodeEscape(cp)) {
      out->append(start, p);
    } else if (cp < 0x10000) {
      AppendUtf16Escape(cp, out);
    } else {
      AppendUtf16Escape(0xd800 + ((cp - 0x10000) >> 10), out);
      AppendUtf16Escape(0xdc00 + ((cp - 0x10000) & 0x3ff), out);
    }
  }
  out->push_back('"');
  return true;
}

// int64 as protobuf prints it: a quoted decimal.
void AppendQuotedInt64(int64_t value, std::string* out) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out->push_back('"');
  out->append(digits, end);
  out->push_back('"');
}

void AppendStatus(pb::gubernator::Status status, std::string* out) {
  if (pb::gubernator::Status_IsValid(status)) {
    out->push_back('"');
    out->append(pb::gubernator::Status_Name(status));
    out->push_back('"');
    return;
  }
  // An open enum value without a name prints as its number.
  char digits[16];
  char* end = std::to_chars(digits, digits + sizeof(digits), static_cast<int>(status)).ptr;
  out->append(digits, end);
}

bool AppendRateLimitResp(const RateLimitResp& r, std::string* out) {
  // Protobuf's order for two or more map entries is its own business; one is unambiguous.
  if (r.metadata_size() > 1) return false;
  out->append(R"({"status":)");
  AppendStatus(r.status(), out);
  out->append(R"(,"limit":)");
  AppendQuotedInt64(r.limit(), out);
  out->append(R"(,"remaining":)");
  AppendQuotedInt64(r.remaining(), out);
  out->append(R"(,"reset_time":)");
  AppendQuotedInt64(r.reset_time(), out);
  out->append(R"(,"error":)");
  if (!AppendJsonString(r.error(), out)) return false;
  out->append(R"(,"metadata":{)");
  for (const auto& [key, value] : r.metadata()) {
    if (!AppendJsonString(key, out)) return false;
    out->push_back(':');
    if (!AppendJsonString(value, out)) return false;
  }
  out->append("}}");
  return true;
}

// Room for one response's fixed part with the widest numbers and status name.
constexpr size_t kMaxFixedRespJson = 160;

}  // namespace

namespace internal {

bool TryParseGetRateLimitsReqFast(std::string_view json, GetRateLimitsReq* req) {
  // rapidjson reads a NUL byte as the end of the input; protobuf reads on.
  if (std::memchr(json.data(), '\0', json.size()) != nullptr) return false;
  GetRateLimitsReq parsed;
  CountingStream stream(json);
  RequestHandler handler(stream, &parsed);
  rapidjson::Reader reader;
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
  if (reader.Parse<kFlags>(stream, handler).IsError() || !handler.done()) return false;
  req->Swap(&parsed);
  return true;
}

bool TryGetRateLimitsRespToJsonFast(const GetRateLimitsResp& resp, std::string* json) {
  size_t estimate = 16;
  for (const auto& r : resp.responses()) {
    estimate += kMaxFixedRespJson + r.error().size();
    for (const auto& [key, value] : r.metadata()) estimate += key.size() + value.size() + 6;
  }
  json->clear();
  json->reserve(estimate);
  json->append(R"({"responses":[)");
  for (int i = 0; i < resp.responses_size(); ++i) {
    if (i > 0) json->push_back(',');
    if (!AppendRateLimitResp(resp.responses(i), json)) return false;
  }
  json->append("]}");
  return true;
}

}  // namespace internal

absl::Status ParseGetRateLimitsReq(std::string_view json, GetRateLimitsReq* req) {
  if (internal::TryParseGetRateLimitsReqFast(json, req)) return absl::OkStatus();
  return ParseJson(json, req);
}

std::string GetRateLimitsRespToJson(const GetRateLimitsResp& resp) {
  std::string json;
  if (internal::TryGetRateLimitsRespToJsonFast(resp, &json)) return json;
  return ToJson(resp);
}

}  // namespace sluice::api
